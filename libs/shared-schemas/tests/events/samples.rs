//! One contract-shaped JSON object per event type, as it sits in a stream entry's `data`.

use serde_json::{Value, json};

pub const TENANT: &str = "ten_acme";
pub const RUN: &str = "run_1712345678901_abc123def";
const PROJECT: &str = "prj_website";
const TASK: &str = "tsk_login";
const AGENT: &str = "agt_eric";

/// The header plus `payload`; `runId` only for events about one run.
pub fn envelope(event_type: &str, about_run: bool, payload: Value) -> Value {
    let mut object = json!({
        "id": "evt_0a1b2c3d4e5f6g7h",
        "type": event_type,
        "tenantId": TENANT,
        "timestamp": 1_712_345_678_901_i64,
    });
    if about_run {
        object["runId"] = json!(RUN);
    }
    let fields = object.as_object_mut().expect("header is an object");
    for (key, value) in payload.as_object().expect("payload is an object") {
        fields.insert(key.clone(), value.clone());
    }
    object
}

fn run(event_type: &str, payload: Value) -> Value {
    envelope(event_type, true, payload)
}

fn global(event_type: &str, payload: Value) -> Value {
    envelope(event_type, false, payload)
}

pub fn all() -> Vec<Value> {
    let step = json!({"stepId": "IMPLEMENT"});
    let with_step = |extra: Value| {
        let mut object = step.clone();
        for (key, value) in extra.as_object().expect("object") {
            object[key] = value.clone();
        }
        object
    };
    vec![
        run(
            "RUN_CREATED",
            json!({"pipelineId": "engineering", "taskDescription": "Add login", "activeRuns": 3}),
        ),
        run("STEP_QUEUED", with_step(json!({"agentId": "yukihiro"}))),
        run(
            "STEP_STARTED",
            with_step(json!({"sessionId": "run_x_IMPLEMENT_1"})),
        ),
        run("STEP_OUTPUT", with_step(json!({"chunk": "Writing tests"}))),
        run(
            "STEP_THINKING",
            with_step(json!({"chunk": "The form needs"})),
        ),
        run(
            "STEP_COMPLETE",
            with_step(json!({"outputs": {"summary": "done"}, "commitHash": "9fceb02"})),
        ),
        run(
            "STEP_FAILED",
            with_step(json!({"error": "timeout", "retryCount": 1})),
        ),
        run(
            "STEP_RETRYING",
            with_step(json!({"feedback": "[RETRY 2/3] timeout"})),
        ),
        run(
            "STEP_CANCELLED",
            with_step(json!({"reason": "run cancelled"})),
        ),
        run(
            "LOOP_ITEM_COMPLETE",
            with_step(json!({"itemId": "IMPLEMENT_item_0", "itemIndex": 0})),
        ),
        run(
            "LOOP_ITEM_FAILED",
            with_step(json!({"itemId": "IMPLEMENT_item_1", "error": "tests fail"})),
        ),
        run(
            "RUN_COMPLETE",
            json!({"outputs": {"summary": "done", "deploy_url": "https://x"}}),
        ),
        run(
            "RUN_FAILED",
            json!({"error": "Step TEST failed after 3 retries: boom"}),
        ),
        run(
            "AGENT_MESSAGE",
            json!({"from": "system", "to": "eric", "message": "Deployed", "threadId": "run_x_notification"}),
        ),
        run(
            "HUMAN_INTERVENTION",
            with_step(json!({"action": "inject_context", "context": "Use Postgres"})),
        ),
        run(
            "SLACK_MESSAGE",
            json!({"agentId": "eric", "agentName": "Eric", "agentEmoji": ":rocket:", "userId": "U1", "message": "hi", "isAgent": false, "threadTs": "1.2", "messageTs": "1.3"}),
        ),
        run(
            "AGENT_STATE",
            with_step(json!({"state": "tool_calling", "toolName": "bash"})),
        ),
        run(
            "TOOL_CALL_START",
            with_step(
                json!({"toolName": "bash", "toolCallId": "call_1", "args": "{\"cmd\":\"ls\"}"}),
            ),
        ),
        run(
            "TOOL_CALL_END",
            with_step(
                json!({"toolName": "bash", "toolCallId": "call_1", "result": "a.txt", "isError": false, "durationMs": 42}),
            ),
        ),
        run(
            "FILE_CHANGED",
            with_step(json!({"path": "src/login.rs", "action": "create", "size": 812})),
        ),
        run(
            "COMMIT_FAILED",
            json!({"stepId": "finalize", "error": "push rejected"}),
        ),
        run(
            "AGENT_STATE_CHANGED",
            with_step(json!({"agentId": "eric", "previousState": "idle", "newState": "working"})),
        ),
        run("STEP_ERROR", with_step(json!({"data": "warning: unused"}))),
        run(
            "AGENT_THINKING",
            with_step(json!({"thinking": "First the schema"})),
        ),
        run("TOOL_STARTED", with_step(json!({"toolName": "read"}))),
        run(
            "TOOL_COMPLETE",
            with_step(json!({"toolName": "read", "result": "ok"})),
        ),
        run("CONTAINER_CREATED", json!({"detail": "djinn-run-x"})),
        run("CONTAINER_STARTING", json!({})),
        run("CONTAINER_READY", json!({})),
        run("CONTAINER_STOPPING", json!({"detail": "step finished"})),
        run("CONTAINER_DESTROYED", json!({})),
        run("CONTAINER_CRASHED", json!({"exitCode": 137})),
        run("CONTAINER_STOPPED", json!({"unexpected": true})),
        run(
            "CONTAINER_CREATE_FAILED",
            json!({"error": "image not found"}),
        ),
        run("CONTAINER_START_ERROR", json!({"error": "port in use"})),
        run(
            "CONTAINER_CRASH",
            json!({"containerId": "c0ffee", "exitCode": -1}),
        ),
        run("REDIS_CONNECTION_ERROR", json!({"error": "ECONNREFUSED"})),
        run("RUN_DELETED", json!({})),
        run("RUN_UPDATED", json!({"status": "running", "activeRuns": 2})),
        run("RUN_STATUS_CHANGED", json!({"status": "cancelled"})),
        global("RUNS_BULK_DELETED", json!({"runIds": [RUN, "run_2"]})),
        run("STEP_UPDATED", with_step(json!({"status": "retrying"}))),
        global(
            "PROJECT_CREATED",
            json!({"projectId": PROJECT, "name": "Website"}),
        ),
        global("PROJECT_UPDATED", json!({"projectId": PROJECT})),
        global("PROJECT_DELETED", json!({"projectId": PROJECT})),
        global(
            "PROJECT_REPOSITORY_UPDATED",
            json!({"projectId": PROJECT, "repository": "https://github.com/acme/web"}),
        ),
        global("PROJECT_REPOSITORY_REMOVED", json!({"projectId": PROJECT})),
        global(
            "PROJECT_SLACK_UPDATED",
            json!({"projectId": PROJECT, "slackChannelId": "C42"}),
        ),
        global("PROJECT_VISION_UPDATED", json!({"projectId": PROJECT})),
        run(
            "PROJECT_PLANNING_STARTED",
            json!({"projectId": PROJECT, "pipelineId": "planning"}),
        ),
        run(
            "PROJECT_PLANNING_COMPLETED",
            json!({"projectId": PROJECT, "tasksImported": 12}),
        ),
        global(
            "TASK_CREATED",
            json!({"projectId": PROJECT, "taskId": TASK, "title": "Login form"}),
        ),
        global(
            "TASK_UPDATED",
            json!({"projectId": PROJECT, "taskId": TASK}),
        ),
        global(
            "TASK_MOVED",
            json!({"projectId": PROJECT, "taskId": TASK, "columnId": "col_review", "position": 2, "status": "review"}),
        ),
        global(
            "TASK_STATUS_CHANGED",
            json!({"projectId": PROJECT, "taskId": TASK, "status": "in_progress"}),
        ),
        global(
            "TASK_CLAIMED",
            json!({"projectId": PROJECT, "taskId": TASK, "agentId": AGENT}),
        ),
        run(
            "TASK_EXECUTION_STARTED",
            json!({"projectId": PROJECT, "taskId": TASK, "pipelineId": "execute"}),
        ),
        global(
            "TASK_PR_OPENED",
            json!({"projectId": PROJECT, "taskId": TASK, "prUrl": "https://github.com/acme/web/pull/7", "prNumber": 7}),
        ),
        global("TASKS_IMPORTED", json!({"projectId": PROJECT, "count": 12})),
        global(
            "DEPENDENCY_ADDED",
            json!({"projectId": PROJECT, "fromTaskId": "tsk_schema", "toTaskId": TASK, "kind": "blocks"}),
        ),
        global(
            "DEPENDENCY_REMOVED",
            json!({"projectId": PROJECT, "fromTaskId": "tsk_schema", "toTaskId": TASK}),
        ),
        global(
            "AGENT_ASSIGNED",
            json!({"projectId": PROJECT, "agentId": AGENT, "role": "lead"}),
        ),
        global(
            "AGENT_REMOVED",
            json!({"projectId": PROJECT, "agentId": AGENT}),
        ),
        global(
            "AGENT_ROLE_UPDATED",
            json!({"projectId": PROJECT, "agentId": AGENT, "role": "reviewer"}),
        ),
        global(
            "AGENT_ROUTINE_MAPPED",
            json!({"projectId": PROJECT, "agentId": AGENT, "routineId": "rtn_daily"}),
        ),
        global(
            "SWARM_LAUNCHED",
            json!({"projectId": PROJECT, "swarmId": "swm_1", "taskIds": [TASK]}),
        ),
        global(
            "ONBOARDING_STARTED",
            json!({"onboardingSessionId": "onb_1", "agentId": AGENT}),
        ),
        global(
            "ONBOARDING_CONTEXT_UPDATED",
            json!({"onboardingSessionId": "onb_1", "context": {"goal": "shop"}}),
        ),
        global(
            "ONBOARDING_HANDOFF",
            json!({"onboardingSessionId": "onb_1", "fromAgentId": AGENT, "toAgentId": "agt_finn"}),
        ),
        global(
            "ONBOARDING_LANDING_PAGE_UPDATED",
            json!({"onboardingSessionId": "onb_1"}),
        ),
        global(
            "ONBOARDING_COMPLETED",
            json!({"onboardingSessionId": "onb_1", "projectId": PROJECT}),
        ),
        global(
            "PULSE_TRIGGERED",
            json!({"agentId": AGENT, "projectId": PROJECT, "source": "github", "context": {"issue": 7}}),
        ),
        global(
            "PULSE_TRIGGERED",
            json!({"agentId": AGENT, "routineId": "pr_standup", "source": "manual", "context": {}}),
        ),
        run(
            "RUN_REQUESTED",
            json!({"pipelineId": "engineering", "task": "[Project: Web] [Task: Login]\n\nA form", "projectId": PROJECT, "taskId": TASK, "keyUserId": "usr_ada"}),
        ),
        global(
            "TASK_WORKSPACE_REQUESTED",
            json!({"agentId": AGENT, "projectId": PROJECT, "taskId": TASK, "taskBranch": "feat/tsk_login"}),
        ),
        global(
            "TASK_WORKSPACE_REMOVE_REQUESTED",
            json!({"agentId": AGENT, "projectId": PROJECT, "taskId": TASK}),
        ),
        global("MCP_RESTART_REQUESTED", json!({})),
        global("SYSTEM_UPDATE_REQUESTED", json!({"targetVersion": "0.4.2"})),
        global(
            "SYSTEM_UPDATE_PROGRESS",
            json!({"stage": "pull", "message": "Pulling images", "error": false}),
        ),
        global(
            "CODE_GRAPH_INDEX_REQUESTED",
            json!({"projectId": PROJECT, "jobId": "job_1"}),
        ),
        global("TENANT_DELETED", json!({})),
        global("TENANT_STATUS_CHANGED", json!({"status": "suspended"})),
        global("AGENT_DELETED", json!({"agentId": AGENT})),
        global(
            "ADMIN_NOTIFICATION_CREATED",
            json!({"notificationId": "ntf_1", "level": "error", "title": "Run failed"}),
        ),
        run(
            "LLM_CALL_RECORDED",
            json!({"callId": "llm_0a1b2c3d4e5f6g7h", "agentId": AGENT, "requestId": "req_1",
                "provider": "anthropic", "model": "claude-sonnet-4", "keySource": "instance",
                "keyMasked": "sk-a...wxyz", "inputTokens": 120, "outputTokens": 40,
                "cacheReadTokens": 0, "cacheWriteTokens": 0, "totalTokens": 160,
                "costApproximate": false, "durationMs": 850, "toolCallCount": 1,
                "hasThinking": true, "stopReason": "tool_use", "contextUsedTokens": 120,
                "contextWindowTokens": 200000, "contextPercent": 0, "createdAt": 1_712_345_678_901_i64}),
        ),
        run(
            "SESSION_CREATED",
            json!({"sessionId": "run_1_A_1", "agentId": AGENT, "status": "running"}),
        ),
        run(
            "SESSION_STATUS_CHANGED",
            json!({"sessionId": "run_1_A_1", "agentId": AGENT, "status": "cancelled",
                "error": "cancelled by a person"}),
        ),
        run(
            "SESSION_EVENT",
            json!({"sessionId": "pulse_1", "agentId": AGENT, "eventType": "tool_start",
                "data": {"tool": "read"}}),
        ),
        run(
            "SESSION_COMPLETED",
            json!({"sessionId": "run_1_A_1", "agentId": AGENT, "status": "completed"}),
        ),
        run(
            "SESSION_FAILED",
            json!({"sessionId": "run_1_A_1", "agentId": AGENT, "status": "failed", "error": "boom"}),
        ),
        global(
            "CHAT_SESSION_CREATED",
            json!({"sessionId": "chat_1", "agentId": AGENT, "status": "starting",
                "model": "openai/gpt-4o"}),
        ),
        global(
            "CHAT_SESSION_STATUS_CHANGED",
            json!({"sessionId": "chat_1", "agentId": AGENT, "status": "failed",
                "error": "no key for openai"}),
        ),
        global(
            "CHAT_SESSION_DELETED",
            json!({"sessionId": "chat_1", "agentId": AGENT, "status": "deleted"}),
        ),
        global(
            "CHAT_MESSAGE_COMPLETED",
            json!({"sessionId": "chat_1", "agentId": AGENT, "messageId": "msg_2",
                "sessionType": "onboarding", "content": "Hello!", "aborted": false}),
        ),
        global(
            "CHAT_START_REQUESTED",
            json!({"sessionId": "chat_1", "agentId": AGENT, "model": "openai/gpt-4o",
                "sessionType": "pulse", "userId": "usr_0123456789ab",
                "systemPromptSupplement": "be brief", "thinkingLevel": "low", "restart": true}),
        ),
        global(
            "CHAT_MESSAGE_SENT",
            json!({"sessionId": "chat_1", "agentId": AGENT, "messageId": "msg_1",
                "assistantMessageId": "msg_2", "content": "hello", "model": "openai/gpt-4o",
                "attachments": [{"id": "att_1", "filename": "a.pdf", "mimeType": "application/pdf",
                    "sizeBytes": 10, "isImage": false, "estimatedTokens": 3}]}),
        ),
        global(
            "CHAT_STOP_REQUESTED",
            json!({"sessionId": "chat_1", "agentId": AGENT}),
        ),
        global(
            "CHAT_END_REQUESTED",
            json!({"sessionId": "chat_1", "agentId": AGENT}),
        ),
        global(
            "CHAT_MODEL_CHANGED",
            json!({"sessionId": "chat_1", "agentId": AGENT, "model": "anthropic/claude"}),
        ),
        global(
            "WORK_LOCK_ACQUIRED",
            json!({"agentId": AGENT, "lockId": "task-42", "summary": "fixing the login",
                "stepId": "IMPLEMENT", "sessionId": "chat_1", "expiresAt": 1767225600000_i64}),
        ),
        global(
            "WORK_LOCK_RELEASED",
            json!({"agentId": AGENT, "lockId": "task-42"}),
        ),
    ]
}
