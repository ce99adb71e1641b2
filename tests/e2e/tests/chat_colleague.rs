//! The runtime as a colleague, end to end through HAProxy with every real service: a pulse wakes
//! an agent that claims and moves its task on the board; an onboarding conversation gets the
//! agent's reply and finalizes into a project.

mod engine_support;

use std::time::{Duration, Instant};

use engine_support::{Tenant, call, model, share_fake_key, stack, tenant};
use llm_fake::{LlmFake, Reply};
use serde_json::{Value, json};

/// Polls `path` until `done` holds for its body.
async fn wait_for(
    stack: &e2e::Stack,
    t: &Tenant,
    path: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (status, body) = call(stack, &t.token, "GET", path, None).await;
        if status == 200 && done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{what}: {status} {body}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_pulse_claims_and_moves_the_agents_task_and_records_the_routine_run() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let a = tenant(&stack, "pulse-a@example.com", &fake, &["engineer"]).await;
    let engineer = a.agent("engineer").to_owned();
    let (status, project) = call(
        &stack,
        &a.token,
        "POST",
        "/v1/projects/",
        Some(json!({"name": "Board"})),
    )
    .await;
    assert_eq!(status, 201, "{project}");
    let p = project["id"].as_str().expect("project").to_owned();
    let member = json!({"agentId": engineer, "role": "member"});
    let (status, body) = call(
        &stack,
        &a.token,
        "POST",
        &format!("/v1/projects/{p}/agents"),
        Some(member),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let task = json!({"title": "Fix the login", "status": "ready"});
    let (status, task) = call(
        &stack,
        &a.token,
        "POST",
        &format!("/v1/projects/{p}/tasks"),
        Some(task),
    )
    .await;
    assert_eq!(status, 201, "{task}");
    let t = task["id"].as_str().expect("task").to_owned();

    let m = model();
    let ids = json!({"project_id": p, "task_id": t});
    let mut moved = ids.clone();
    moved["status"] = json!("in_progress");
    moved["note"] = json!("on it");
    fake.script(
        &m,
        vec![
            Reply::tool_call("list_tasks", json!({})),
            Reply::tool_call("claim_task", ids),
            Reply::tool_call("transition_task", moved),
            Reply::text("I claimed \"Fix the login\" and started it."),
        ],
    );
    let routine = json!({"name": "Board sweep", "instructions": "Pick up ready work.",
        "executorModel": format!("custom-fake/{m}"), "pulseColumns": ["Ready"]});
    let path = format!("/v1/agents/{engineer}/pulse-routines");
    let (status, routine) = call(&stack, &a.token, "POST", &path, Some(routine)).await;
    assert_eq!(status, 201, "{routine}");
    let r = routine["id"].as_str().expect("routine").to_owned();
    let (status, body) = call(
        &stack,
        &a.token,
        "POST",
        &format!("{path}/{r}/trigger"),
        None,
    )
    .await;
    assert_eq!(status, 202, "{body}");

    let done = wait_for(
        &stack,
        &a,
        &format!("/v1/projects/{p}/tasks/{t}"),
        "the task moves",
        |b| b["status"] == "in_progress",
    )
    .await;
    let assigned = done["assigned_agent"]
        .as_str()
        .or(done["assignedAgent"].as_str());
    assert_eq!(assigned, Some(engineer.as_str()), "{done}");
    wait_for(
        &stack,
        &a,
        &format!("{path}/{r}"),
        "the routine run is recorded",
        |b| b["totalRuns"] == 1,
    )
    .await;
    // The pulse ran as a chat session of type pulse, kept with the agent's sessions.
    let sessions = wait_for(
        &stack,
        &a,
        &format!("/v1/agents/{engineer}/chat/sessions"),
        "the pulse session",
        |b| b["sessions"].as_array().is_some_and(|s| !s.is_empty()),
    )
    .await;
    assert_eq!(
        sessions["sessions"][0]["session_type"]
            .as_str()
            .or(sessions["sessions"][0]["sessionType"].as_str()),
        Some("pulse"),
        "{sessions}"
    );
}

#[tokio::test]
async fn an_onboarding_conversation_gets_the_agents_reply_and_finalizes_into_a_project() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let a = tenant(&stack, "onboard-a@example.com", &fake, &["guide"]).await;
    let b = tenant(&stack, "onboard-b@example.com", &fake, &["guide"]).await;
    share_fake_key(&stack, &a).await;
    let guide = a.agent("guide").to_owned();
    let m = model();
    fake.script(
        &m,
        vec![Reply::text("Welcome! What should the app do first?")],
    );
    let body = json!({"model": format!("custom-fake/{m}")});
    let (status, session) = call(
        &stack,
        &a.token,
        "POST",
        "/v1/onboarding/sessions",
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{session}");
    let s = session["id"].as_str().expect("session").to_owned();
    let base = format!("/v1/onboarding/sessions/{s}");
    let (status, body) = call(
        &stack,
        &a.token,
        "POST",
        &format!("{base}/handoff"),
        Some(json!({"next_agent_id": guide})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let said = json!({"message": "I want a todo app for my team."});
    let (status, sent) = call(
        &stack,
        &a.token,
        "POST",
        &format!("{base}/message"),
        Some(said),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["agentReply"], "pending", "{sent}");
    assert!(sent["chatSessionId"].is_string(), "{sent}");

    let convo = wait_for(&stack, &a, &base, "the agent's reply", |b| {
        b["messages"]
            .as_array()
            .is_some_and(|ms| ms.iter().any(|m| m["role"] == "assistant"))
    })
    .await;
    let reply = convo["messages"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["role"] == "assistant"))
        .cloned()
        .expect("a reply");
    assert_eq!(reply["content"], "Welcome! What should the app do first?");
    assert_eq!(
        reply["agent_id"].as_str().or(reply["agentId"].as_str()),
        Some(guide.as_str())
    );

    // Tenant B can neither read nor finalize it.
    let (status, _) = call(&stack, &b.token, "GET", &base, None).await;
    assert_eq!(status, 404);
    let fin = json!({"project_name": "Team todo", "context": {"audience": "small teams"}});
    let (status, _) = call(
        &stack,
        &b.token,
        "POST",
        &format!("{base}/finalize"),
        Some(fin.clone()),
    )
    .await;
    assert_eq!(status, 404);

    let (status, done) = call(
        &stack,
        &a.token,
        "POST",
        &format!("{base}/finalize"),
        Some(fin),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let project = done["projectId"].as_str().expect("project").to_owned();
    let (status, board) = call(
        &stack,
        &a.token,
        "GET",
        &format!("/v1/projects/{project}"),
        None,
    )
    .await;
    assert_eq!(
        (status, board["name"].clone()),
        (200, json!("Team todo")),
        "{board}"
    );
    let (_, after) = call(&stack, &a.token, "GET", &base, None).await;
    assert_eq!(after["status"], "completed", "{after}");
}
