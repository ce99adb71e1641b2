//! Chats for the end-to-end tests: start one, say something, wait for the answer in the
//! transcript, open the session's stream.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::sse::{Sse, open};
use super::{Tenant, call};

/// Starts a chat with `agent` on the fake model `m`; the session id.
pub async fn start_chat(stack: &e2e::Stack, t: &Tenant, agent: &str, m: &str) -> String {
    let body = json!({"model": format!("custom-fake/{m}")});
    let path = format!("/v1/agents/{agent}/chat/start");
    let (status, started) = call(stack, &t.token, "POST", &path, Some(body)).await;
    assert_eq!(status, 200, "{started}");
    started["sessionId"]
        .as_str()
        .expect("session id")
        .to_owned()
}

/// Sends `text`; the assistant message that will hold the answer.
pub async fn say(stack: &e2e::Stack, t: &Tenant, agent: &str, session: &str, text: &str) -> String {
    let path = format!("/v1/agents/{agent}/chat/{session}/message");
    let (status, sent) = call(
        stack,
        &t.token,
        "POST",
        &path,
        Some(json!({"message": text})),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    sent["assistantMessageId"]
        .as_str()
        .expect("answer id")
        .to_owned()
}

/// The session's transcript once `answer` is completed.
pub async fn answered(stack: &e2e::Stack, t: &Tenant, session: &str, answer: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let path = format!("/v1/chat/sessions/{session}");
        let (status, detail) = call(stack, &t.token, "GET", &path, None).await;
        assert_eq!(status, 200, "{detail}");
        let messages = detail["messages"].as_array().cloned().unwrap_or_default();
        if messages
            .iter()
            .any(|m| m["id"] == answer && !m["completed_at"].is_null())
        {
            return messages;
        }
        assert!(Instant::now() < deadline, "no answer: {detail}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The session stream (the dashboard's chat stream), once the engine has written to it.
pub async fn chat_stream(stack: &e2e::Stack, t: &Tenant, agent: &str, session: &str) -> Sse {
    let path = format!("/v1/agents/{agent}/chat/{session}/stream");
    for _ in 0..100 {
        let s = open(stack, &path, &t.token, None).await;
        if s.status == 200 {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the session stream never opened");
}
