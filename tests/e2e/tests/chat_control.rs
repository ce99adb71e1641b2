//! Chat control end to end with every real service: messages sent while the runtime starts are
//! answered in order, stop aborts an answer mid-stream (the partial answer is kept), and the
//! idle reaper ends a quiet session.

mod engine_support;

use std::time::{Duration, Instant};

use engine_support::chat::{answered, chat_stream, say, start_chat};
use engine_support::{call, model, share_fake_key, stack, tenant};
use llm_fake::{LlmFake, Reply};
use serde_json::json;

#[tokio::test]
async fn queued_messages_are_answered_in_order_stop_aborts_and_an_idle_session_is_reaped() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let a = tenant(&stack, "control-a@example.com", &fake, &["engineer"]).await;
    share_fake_key(&stack, &a).await;
    let quiet = json!({"chatInactivityTimeoutSec": 10});
    let (status, body) = call(&stack, &a.token, "PUT", "/v1/settings/", Some(quiet)).await;
    assert_eq!(status, 200, "{body}");
    let m = model();
    let long = "and then the build went on ".repeat(60);
    fake.script(
        &m,
        vec![
            Reply::text("first"),
            Reply::text("second"),
            Reply::text("third"),
            Reply::text(long.clone()).chunk_delay(150),
        ],
    );
    let engineer = a.agent("engineer").to_owned();
    let session = start_chat(&stack, &a, "engineer", &m).await;
    // Sent at once, while the runtime is still starting.
    let mut answers = Vec::new();
    for text in ["one", "two", "three"] {
        answers.push(say(&stack, &a, "engineer", &session, text).await);
    }
    let transcript = answered(&stack, &a, &session, &answers[2]).await;
    let said: Vec<_> = transcript.iter().map(|m| m["content"].clone()).collect();
    assert_eq!(
        said,
        [
            json!("one"),
            json!("first"),
            json!("two"),
            json!("second"),
            json!("three"),
            json!("third")
        ],
        "each answered once, in order"
    );

    // Stop while the fourth answer streams.
    let fourth = say(&stack, &a, "engineer", &session, "tell me everything").await;
    let mut stream = chat_stream(&stack, &a, &engineer, &session).await;
    let mut outputs_of_fourth = 0;
    let mut turn_ends = 0;
    while outputs_of_fourth < 3 {
        let frame = stream
            .next(Duration::from_secs(30))
            .await
            .expect("a frame")
            .json();
        match frame["type"].as_str() {
            Some("turn_end") => turn_ends += 1,
            Some("output") if turn_ends == 3 => outputs_of_fourth += 1,
            _ => {}
        }
    }
    let stop = format!("/v1/agents/engineer/chat/{session}/stop");
    let (status, body) = call(&stack, &a.token, "POST", &stop, None).await;
    assert_eq!(status, 200, "{body}");
    stream.until("response_aborted").await;
    let transcript = answered(&stack, &a, &session, &fourth).await;
    let partial = transcript
        .iter()
        .find(|m| m["id"] == fourth.as_str())
        .and_then(|m| m["content"].as_str())
        .expect("the stopped answer")
        .to_owned();
    assert!(
        !partial.is_empty() && partial.len() < long.len() && long.starts_with(&partial),
        "the part said before the stop is kept: {partial:?}"
    );

    // Quiet for the tenant's inactivity timeout: the session ends by itself.
    let status_path = format!("/v1/agents/engineer/chat/{session}/status");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, now) = call(&stack, &a.token, "GET", &status_path, None).await;
        if now["status"] == "completed" {
            break;
        }
        assert!(Instant::now() < deadline, "never reaped: {now}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
