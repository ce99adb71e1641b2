//! Chat sessions through the public API: start, message (with the queue limit), stop, end,
//! restart, status, model, the lists and the session resource; each change with its events in
//! the outbox, written in the same transaction.

use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::creds;
use crate::helpers::{Tenant, agent, assert_error, send, spawn, tenant};

/// Starts a session of `agent` as the holder of `token`; its id.
pub async fn start(app: &TestApp, token: &str, agent: &str, body: Value) -> String {
    let path = format!("/v1/agents/{agent}/chat/start");
    let (status, out) = send(app, "POST", &path, token, Some(body)).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "starting");
    out["sessionId"].as_str().expect("sessionId").to_owned()
}

/// The tenant's outbox events, oldest first (type and payload).
pub async fn events(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let rows: Vec<String> = sqlx::query_scalar(
        "select payload from agent.outbox where tenant_id = $1 and kind = 'event' order by seq",
    )
    .bind(t.id.as_str())
    .fetch_all(&app.db.admin)
    .await
    .expect("outbox");
    rows.iter()
        .map(|p| serde_json::from_str(p).expect("envelope"))
        .collect()
}

/// The types of the tenant's events about `session`, oldest first.
pub async fn session_events(app: &TestApp, t: &Tenant, session: &str) -> Vec<String> {
    events(app, t)
        .await
        .into_iter()
        .filter(|e| e["sessionId"] == session)
        .map(|e| e["type"].as_str().expect("type").to_owned())
        .collect()
}

pub async fn message(
    app: &TestApp,
    token: &str,
    agent: &str,
    session: &str,
    text: &str,
) -> (u16, Value) {
    let path = format!("/v1/agents/{agent}/chat/{session}/message");
    send(app, "POST", &path, token, Some(j!({"message": text}))).await
}

#[tokio::test]
async fn a_session_starts_with_the_agents_model_and_announces_itself() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "coder").await;
    // No model on the agent: the tenant's default working model.
    let session = start(&app, &a.token, "coder", j!({})).await;
    assert!(session.starts_with("chat_"), "{session}");
    let path = format!("/v1/agents/{agent_id}/chat/{session}/status");
    let (status, out) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["model"], "openrouter/moonshotai/kimi-k2.5");
    assert_eq!(
        (out["status"].clone(), out["exists"].clone()),
        (j!("starting"), j!(true))
    );
    assert_eq!(out["messageCount"], 0);

    let all = events(&app, &a).await;
    let started: Vec<_> = all
        .iter()
        .filter(|e| e["sessionId"] == session.as_str())
        .collect();
    assert_eq!(started.len(), 2, "{all:?}");
    assert_eq!(started[0]["type"], "CHAT_SESSION_CREATED");
    assert_eq!(started[1]["type"], "CHAT_START_REQUESTED");
    assert_eq!(started[1]["agentId"], agent_id.as_str());
    assert_eq!(started[1]["userId"], a.user.as_str(), "the caller's keys");
    assert_eq!(started[1]["sessionType"], "chat");

    // The agent's own model wins over the tenant's default; the body's over both.
    let config = j!({"model": "anthropic/claude-sonnet-4"});
    let (status, out) = send(
        &app,
        "PUT",
        &format!("/v1/agents/{agent_id}/config"),
        &a.token,
        Some(config),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    let own = start(&app, &a.token, &agent_id, j!({"thinkingLevel": "high"})).await;
    let picked = start(&app, &a.token, &agent_id, j!({"model": "openai/gpt-5"})).await;
    for (session, want) in [(own, "anthropic/claude-sonnet-4"), (picked, "openai/gpt-5")] {
        let (_, out) = send(
            &app,
            "GET",
            &format!("/v1/chat/sessions/{session}"),
            &a.token,
            None,
        )
        .await;
        assert_eq!(out["model"], want, "{out}");
    }
}

#[tokio::test]
async fn start_checks_its_body_and_who_may_pick_the_session_type() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "coder").await;
    let path = format!("/v1/agents/{agent_id}/chat/start");
    let (status, out) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"model": "has space"})),
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");
    let (status, out) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"sessionType": "pulse"})),
    )
    .await;
    assert_error(status, &out, 403, "forbidden");
    let (status, out) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"userId": "usr_other"})),
    )
    .await;
    assert_error(status, &out, 403, "forbidden");
    let (status, out) = send(&app, "POST", "/v1/agents/nobody/chat/start", &a.token, None).await;
    assert_error(status, &out, 404, "agent_not_found");

    // A service starts a pulse session for a named member.
    let service = creds::service(&app, &a);
    let body = j!({"sessionType": "pulse", "userId": a.user, "system_prompt_supplement": "Work the board."});
    let session = start(&app, &service, &agent_id, body).await;
    let started = events(&app, &a).await;
    let start_event = started
        .iter()
        .find(|e| e["sessionId"] == session.as_str() && e["type"] == "CHAT_START_REQUESTED")
        .expect("start event");
    assert_eq!(start_event["sessionType"], "pulse");
    assert_eq!(start_event["userId"], a.user.as_str());
    assert_eq!(start_event["systemPromptSupplement"], "Work the board.");
}

#[tokio::test]
async fn messages_queue_up_to_five_unanswered_then_409() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "coder").await;
    let session = start(&app, &a.token, "coder", j!({})).await;

    let (status, out) = message(&app, &a.token, &agent_id, &session, "").await;
    assert_error(status, &out, 422, "validation_failed");
    let big = "x".repeat(64 * 1024 + 1);
    let (status, out) = message(&app, &a.token, &agent_id, &session, &big).await;
    assert_error(status, &out, 422, "validation_failed");

    let mut answers = Vec::new();
    for i in 0..5 {
        let (status, out) =
            message(&app, &a.token, "coder", &session, &format!("question {i}")).await;
        assert_eq!(status, 200, "{out}");
        assert_eq!(out["status"], "queued");
        answers.push(
            out["assistantMessageId"]
                .as_str()
                .expect("answer")
                .to_owned(),
        );
    }
    let (status, out) = message(&app, &a.token, &agent_id, &session, "one too many").await;
    assert_error(status, &out, 409, "chat_queue_full");

    // The engine answers one: there is room for one more.
    let service = creds::service(&app, &a);
    let path = format!("/v1/internal/chat/messages/{}/complete", answers[0]);
    let (status, out) = send(
        &app,
        "PATCH",
        &path,
        &service,
        Some(j!({"content": "answer 0"})),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    let (status, out) = message(&app, &a.token, &agent_id, &session, "now it fits").await;
    assert_eq!(status, 200, "{out}");

    // The transcript: question, answer, in order; the pending answers are empty.
    let (_, detail) = send(
        &app,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        &a.token,
        None,
    )
    .await;
    let messages = detail["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 12);
    assert_eq!(
        (messages[0]["role"].clone(), messages[0]["content"].clone()),
        (j!("user"), j!("question 0"))
    );
    assert_eq!(
        (messages[1]["role"].clone(), messages[1]["content"].clone()),
        (j!("assistant"), j!("answer 0"))
    );
    assert!(messages[1]["completed_at"].is_i64());
    assert!(messages[3]["completed_at"].is_null());
    assert_eq!(detail["message_count"], 12);

    let sent: Vec<_> = events(&app, &a)
        .await
        .into_iter()
        .filter(|e| e["type"] == "CHAT_MESSAGE_SENT")
        .collect();
    assert_eq!(sent.len(), 6, "the refused messages were never announced");
    assert_eq!(sent[0]["content"], "question 0");
    assert_eq!(sent[0]["assistantMessageId"], answers[0].as_str());
}

#[tokio::test]
async fn stop_end_and_restart_move_the_session_and_tell_the_engine() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "coder").await;
    let session = start(&app, &a.token, &agent_id, j!({})).await;
    let base = format!("/v1/agents/{agent_id}/chat/{session}");

    let (status, out) = send(&app, "POST", &format!("{base}/restart"), &a.token, None).await;
    assert_error(status, &out, 400, "session_active");
    let (status, out) = send(&app, "POST", &format!("{base}/stop"), &a.token, None).await;
    assert_eq!(
        (status, out["status"].clone()),
        (200, j!("stopping")),
        "{out}"
    );
    let (status, out) = send(
        &app,
        "PATCH",
        &format!("{base}/model?model=openai/gpt-5"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (status, out["model"].clone()),
        (200, j!("openai/gpt-5")),
        "{out}"
    );
    let (status, out) = send(
        &app,
        "PATCH",
        &format!("{base}/model?model="),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &out, 422, "validation_failed");
    let (status, out) = send(&app, "POST", &format!("{base}/end"), &a.token, None).await;
    assert_eq!(
        (status, out["status"].clone()),
        (200, j!("completed")),
        "{out}"
    );

    // An ended session takes no message until it is restarted.
    let (status, out) = message(&app, &a.token, &agent_id, &session, "hello?").await;
    assert_error(status, &out, 400, "session_not_active");
    let (status, out) = send(&app, "POST", &format!("{base}/stop"), &a.token, None).await;
    assert_error(status, &out, 400, "session_not_active");
    let (status, out) = send(&app, "POST", &format!("{base}/end"), &a.token, None).await;
    assert_eq!(status, 200, "ending twice is fine: {out}");
    let (status, out) = send(&app, "POST", &format!("{base}/restart"), &a.token, None).await;
    assert_eq!(
        (status, out["status"].clone()),
        (200, j!("starting")),
        "{out}"
    );
    let (status, out) = message(&app, &a.token, &agent_id, &session, "hello again").await;
    assert_eq!(status, 200, "{out}");

    assert_eq!(
        session_events(&app, &a, &session).await,
        [
            "CHAT_SESSION_CREATED",
            "CHAT_START_REQUESTED",
            "CHAT_STOP_REQUESTED",
            "CHAT_MODEL_CHANGED",
            "CHAT_END_REQUESTED",
            "CHAT_SESSION_STATUS_CHANGED",
            "CHAT_START_REQUESTED",
            "CHAT_SESSION_STATUS_CHANGED",
            "CHAT_MESSAGE_SENT",
        ]
    );
    let restart = events(&app, &a)
        .await
        .into_iter()
        .filter(|e| e["type"] == "CHAT_START_REQUESTED")
        .nth(1)
        .expect("restart");
    assert_eq!(
        (restart["restart"].clone(), restart["model"].clone()),
        (j!(true), j!("openai/gpt-5"))
    );
}
