//! The memory and message tools against the real memory-svc and agent-svc: `remember` then
//! `recall` finds the note through memory-svc's search and logs the retrieval;
//! `share_knowledge` lands in the shared vault; `message_agent` lands in the other agent's
//! inbox; bad arguments and unknown agents are clear tool errors, and the skills the agent has
//! are listed in its system prompt with `load_skill` fetching one.

use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::json;
use shared_schemas::ids::RunId;

use crate::common::{Harness, check_order, fake_env, offered, tool_ends};
use crate::services::Services;

fn call(name: &str, args: serde_json::Value) -> Reply {
    Reply::tool_calls(vec![ToolCall::new(name, args)])
}

#[tokio::test]
async fn remember_recall_share_and_message_reach_the_real_services() {
    let svc = Services::start().await;
    let (tenant, owner) = svc.tenant("Alpha").await;
    let coder = svc.agent(&owner, "coder").await;
    let writer = svc.agent(&owner, "writer").await;
    // A skill of the coder's own: listed in its prompt, loaded by `load_skill`.
    let skill = json!({"name": "Deploy checklist", "slug": "deploy-checklist",
        "description": "How we ship a release", "content": "1. Tag. 2. Ship. 3. Watch.",
        "scope": "agent", "owner_agent_id": coder});
    let (status, created) = svc
        .call(
            "POST",
            format!("{}/v1/skills/", svc.agent_svc),
            &owner,
            Some(skill),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    // A member's skill waits for an administrator's approval (auth-svc confirms admins, and
    // it is not started here): approved in the database as the administrator would.
    sqlx::query("update agent.skills set approval_status = 'approved' where id = $1")
        .bind(created["skill_id"].as_str().expect("skill id"))
        .execute(&svc.db.admin)
        .await
        .expect("approve");
    let fake = LlmFake::start().await;
    fake.script(
        "m-mem",
        vec![
            call(
                "remember",
                json!({"type": "lesson", "title": "Blue green deploys",
                "content": "Switch the router only after the canary health check passes."}),
            ),
            call("recall", json!({"query": "canary", "scope": "personal"})),
            call(
                "share_knowledge",
                json!({"category": "convention", "title": "Branch names",
                "content": "Every branch is feat/<task>-<slug>.", "importance": "high"}),
            ),
            call("recall", json!({"query": "branch", "scope": "shared"})),
            call(
                "message_agent",
                json!({"to": "writer", "message": "please document the deploy lesson",
                "priority": "high", "messageType": "review_request"}),
            ),
            call(
                "message_agent",
                json!({"to": "nobody", "message": "hello?"}),
            ),
            call(
                "remember",
                json!({"type": "gossip", "title": "x", "content": "y"}),
            ),
            call("load_skill", json!({"name": "deploy-checklist"})),
            call("load_skill", json!({"name": "no-such-skill"})),
            call("complete", json!({"outputs": {}})),
        ],
    );
    let run = RunId::generate();
    let mut env = fake_env(&fake);
    env.extend(svc.runtime_env(&coder, svc.agent_token(&tenant, &coder, &run)));
    let mut rt = Harness::start_as(tenant.clone(), run.clone(), "custom-fake/m-mem", &env).await;
    rt.send(json!({"type": "agentStep", "requestId": "r1", "prompt": "work", "timestamp": 1}))
        .await;
    let messages = rt.until_idle("r1").await;
    let end = check_order(&messages, "r1");
    assert!(end.success, "{end:?}");
    let ends = tool_ends(&messages);
    let result = |i: usize| -> &(String, String, bool) { &ends[i] };
    assert!(
        result(0).2 && result(0).1.contains("lesson/blue-green-deploys.md"),
        "{ends:?}"
    );
    assert!(
        result(1).2 && result(1).1.contains("Blue green deploys"),
        "recall finds it: {ends:?}"
    );
    assert!(
        result(2).2 && result(2).1.contains("convention/"),
        "{ends:?}"
    );
    assert!(
        result(3).2 && result(3).1.contains("Branch names"),
        "{ends:?}"
    );
    assert!(result(4).2 && result(4).1.contains("writer"), "{ends:?}");
    assert!(
        !result(5).2 && result(5).1.contains("no agent `nobody`"),
        "{ends:?}"
    );
    assert!(
        !result(6).2 && result(6).1.contains("`type` must be one of"),
        "{ends:?}"
    );
    assert!(
        result(7).2 && result(7).1.contains("1. Tag. 2. Ship."),
        "{ends:?}"
    );
    assert!(!result(8).2 && result(8).1.contains("no skill"), "{ends:?}");

    // The chat/empty tool list offers every team tool; the manifest is in the system prompt.
    let tools = offered(&fake, "m-mem", 0);
    for name in [
        "remember",
        "recall",
        "share_knowledge",
        "message_agent",
        "acquire_work_lock",
        "release_work_lock",
        "list_tasks",
        "claim_task",
        "transition_task",
        "comment_task",
        "load_skill",
        "read",
        "complete",
    ] {
        assert!(tools.iter().any(|t| t == name), "{name} offered: {tools:?}");
    }
    let first = &fake.requests("m-mem")[0].body["messages"][0];
    assert_eq!(first["role"], "system");
    assert!(
        first["content"]
            .as_str()
            .unwrap_or("")
            .contains("deploy-checklist"),
        "{first}"
    );

    // The writer's inbox has the message, from the coder.
    let (status, inbox) = svc
        .call(
            "GET",
            format!("{}/v1/agents/{writer}/inbox", svc.agent_svc),
            &owner,
            None,
        )
        .await;
    assert_eq!(status, 200, "{inbox}");
    let message = &inbox["messages"][0];
    assert_eq!(message["body"], "please document the deploy lesson");
    assert_eq!(
        (message["priority"].clone(), message["type"].clone()),
        (json!("high"), json!("review_request"))
    );
    assert_eq!(message["fromAgentId"], json!(coder));
    // Both recalls were logged for memory scores, with the run.
    let logged: Vec<(String, Option<String>)> = sqlx::query_as(
        "select memory_id, run_id from memory.retrieval_log where tenant_id = $1 order by id",
    )
    .bind(tenant.as_str())
    .fetch_all(&svc.db.admin)
    .await
    .expect("retrieval log");
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert_eq!(logged[0].0, "lesson/blue-green-deploys.md");
    assert!(logged[1].0.starts_with("shared/convention/"), "{logged:?}");
    assert_eq!(logged[0].1.as_deref(), Some(run.as_str()));
    rt.shutdown().await;
}
