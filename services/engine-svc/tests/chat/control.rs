//! Stop, end and the idle reaper.

use std::time::Duration;

use llm_fake::Reply;
use serde_json::json;

use crate::support::{harness, until};

#[tokio::test]
async fn stop_aborts_the_answer_mid_stream_and_keeps_the_partial_text() {
    let h = harness(json!({})).await;
    let t = h.app.tenant("a").await;
    let long = "word ".repeat(400);
    h.fake.script(
        "stop-1",
        vec![
            Reply::text(long.clone()).chunk_delay(100),
            Reply::text("still here"),
        ],
    );
    let agent = h.start(&t, "chat_stop", "stop-1").await;
    let answer = h.say(&t, "chat_stop", &agent, "talk for a while").await;
    until("the first tokens", || async {
        h.kinds(&t.id, "chat_stop")
            .await
            .iter()
            .any(|k| k == "output")
    })
    .await;

    h.command(&t, "chat_stop", &agent, "stop").await;

    until("the aborted answer", || async {
        h.answer(&t.id, "chat_stop", &answer).is_some()
    })
    .await;
    let (content, aborted) = h.answer(&t.id, "chat_stop", &answer).expect("answer");
    assert!(aborted);
    assert!(
        !content.is_empty() && content.len() < long.len(),
        "partial: {} chars",
        content.len()
    );
    let kinds = h.kinds(&t.id, "chat_stop").await;
    assert!(kinds.contains(&"response_aborted".to_owned()), "{kinds:?}");
    // The session goes on: the next message is answered by the same runtime.
    let next = h.say(&t, "chat_stop", &agent, "are you there?").await;
    until("the next answer", || async {
        h.answer(&t.id, "chat_stop", &next).is_some()
    })
    .await;
    assert_eq!(
        h.answer(&t.id, "chat_stop", &next).expect("next"),
        ("still here".to_owned(), false)
    );
    assert_eq!(h.runtimes_running(), 1);
}

#[tokio::test]
async fn end_shuts_the_runtime_down_and_forgets_the_session() {
    let h = harness(json!({})).await;
    let t = h.app.tenant("a").await;
    h.fake.script("end-1", vec![Reply::text("hi")]);
    let agent = h.start(&t, "chat_end", "end-1").await;
    let answer = h.say(&t, "chat_end", &agent, "hello").await;
    until("the answer", || async {
        h.answer(&t.id, "chat_end", &answer).is_some()
    })
    .await;
    assert_eq!(h.runtimes_running(), 1);

    h.command(&t, "chat_end", &agent, "end").await;

    until("the runtime's end", || async { h.runtimes_running() == 0 }).await;
    until("session_complete", || async {
        h.kinds(&t.id, "chat_end")
            .await
            .iter()
            .any(|k| k == "session_complete")
    })
    .await;
    // agent-svc marks the session ended when it is asked to end it (the stand-in publishes the
    // command only); the engine does not report it again, which could end a restart asked for
    // meanwhile (e2e chat.rs restarts right after an end).
    let session = h.svc.session(&t.id, "chat_end").expect("session");
    assert_eq!(session.status, "running");
    let keys = &h.app.platform.keys;
    let exists: i64 = redis::cmd("EXISTS")
        .arg(keys.chat_state(&t.id, "chat_end"))
        .arg(keys.chat_inbox(&t.id, "chat_end"))
        .query_async(&mut h.app.platform.redis.clone())
        .await
        .expect("exists");
    assert_eq!(exists, 0, "the session's driver keys are gone");
}

#[tokio::test]
async fn the_idle_reaper_ends_the_session_and_its_runtime() {
    let h = harness(json!({"chatInactivityTimeoutSec": 2})).await;
    let t = h.app.tenant("a").await;
    h.fake.script("idle-1", vec![Reply::text("hi")]);
    let agent = h.start(&t, "chat_idle", "idle-1").await;
    let answer = h.say(&t, "chat_idle", &agent, "hello").await;
    until("the answer", || async {
        h.answer(&t.id, "chat_idle", &answer).is_some()
    })
    .await;
    assert_eq!(
        h.runtimes_running(),
        1,
        "the runtime waits for the next message"
    );

    tokio::time::sleep(Duration::from_secs(2)).await;

    until("the reaper", || async { h.runtimes_running() == 0 }).await;
    until("the status", || async {
        h.svc
            .session(&t.id, "chat_idle")
            .is_some_and(|s| s.status == "completed")
    })
    .await;
    let kinds = h.kinds(&t.id, "chat_idle").await;
    assert!(kinds.contains(&"session_complete".to_owned()), "{kinds:?}");
}

#[tokio::test]
async fn a_hard_timeout_aborts_a_turn_that_takes_too_long() {
    let h = harness(json!({"chatHardTimeoutSec": 1})).await;
    let t = h.app.tenant("a").await;
    h.fake.script(
        "hard-1",
        vec![Reply::text("slow ".repeat(100)).chunk_delay(200)],
    );
    let agent = h.start(&t, "chat_hard", "hard-1").await;
    let answer = h.say(&t, "chat_hard", &agent, "take your time").await;

    until("the aborted answer", || async {
        h.answer(&t.id, "chat_hard", &answer).is_some()
    })
    .await;

    assert!(
        h.answer(&t.id, "chat_hard", &answer).expect("answer").1,
        "aborted"
    );
    let frames = h.frames(&t.id, "chat_hard").await;
    assert!(frames.iter().any(|f| {
        f["type"] == "session_error"
            && f["data"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("longer than 1 s"))
    }));
}

#[tokio::test]
async fn deleting_a_session_ends_its_runtime() {
    let h = harness(json!({})).await;
    let t = h.app.tenant("a").await;
    h.fake.script("deleted-1", vec![Reply::text("hi")]);
    let agent = h.start(&t, "chat_deleted", "deleted-1").await;
    let answer = h.say(&t, "chat_deleted", &agent, "hello").await;
    until("the answer", || async {
        h.answer(&t.id, "chat_deleted", &answer).is_some()
    })
    .await;

    h.publish(
        &t.id,
        shared_schemas::events::Event::ChatSessionDeleted(
            shared_schemas::events::chat::ChatSessionChanged {
                session_id: "chat_deleted".into(),
                agent_id: agent.clone(),
                status: "deleted".into(),
                model: None,
                error: None,
            },
        ),
    )
    .await;

    until("the runtime's end", || async { h.runtimes_running() == 0 }).await;
}
