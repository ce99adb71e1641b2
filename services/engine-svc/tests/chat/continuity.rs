//! A restarted session, and one whose engine went away, continue the conversation: the new
//! runtime starts from the stored messages.

use std::time::Duration;

use llm_fake::Reply;
use serde_json::json;
use shared_schemas::events::Event;
use shared_schemas::events::chat::ChatStartRequested;

use crate::support::{harness, until};

#[tokio::test]
async fn a_restart_after_end_continues_the_conversation() {
    let h = harness(json!({})).await;
    let t = h.app.tenant("a").await;
    h.fake.script(
        "restart-1",
        vec![
            Reply::text("nice to meet you"),
            Reply::text("you said hello"),
        ],
    );
    let agent = h.start(&t, "chat_again", "restart-1").await;
    let first = h.say(&t, "chat_again", &agent, "hello, I am Bo").await;
    until("the answer", || async {
        h.answer(&t.id, "chat_again", &first).is_some()
    })
    .await;
    h.command(&t, "chat_again", &agent, "end").await;
    until("the end", || async { h.runtimes_running() == 0 }).await;

    h.publish(
        &t.id,
        Event::ChatStartRequested(ChatStartRequested {
            session_id: "chat_again".into(),
            agent_id: agent.clone(),
            model: "custom-fake/restart-1".into(),
            session_type: Default::default(),
            user_id: None,
            system_prompt_supplement: None,
            thinking_level: None,
            restart: true,
        }),
    )
    .await;
    let second = h.say(&t, "chat_again", &agent, "what did I say?").await;

    until("the second answer", || async {
        h.answer(&t.id, "chat_again", &second).is_some()
    })
    .await;
    let requests = h.fake.requests("restart-1");
    let last = requests.last().expect("a request").body.to_string();
    assert!(
        last.contains("hello, I am Bo") && last.contains("nice to meet you"),
        "{last}"
    );
    assert_eq!(
        last.matches("what did I say?").count(),
        1,
        "the new message is sent once"
    );
}

#[tokio::test]
async fn another_engine_takes_a_session_over_and_continues_the_conversation() {
    let mut h = harness(json!({})).await;
    h.add_engine().await;
    let t = h.app.tenant("a").await;
    h.fake.script(
        "takeover-1",
        vec![Reply::text("noted"), Reply::text("it was blue")],
    );
    let agent = h.start(&t, "chat_move", "takeover-1").await;
    let first = h.say(&t, "chat_move", &agent, "my colour is blue").await;
    until("the answer", || async {
        h.answer(&t.id, "chat_move", &first).is_some()
    })
    .await;
    let lease = h.app.platform.keys.chat_lease(&t.id, "chat_move");
    let holder = bus::lease::holder_of(&h.app.platform.redis, &lease)
        .await
        .expect("holder")
        .expect("held");
    let (gone, survivor) = if h.engines[0].chat.runtimes.instance_id() == holder {
        (0, 1)
    } else {
        (1, 0)
    };

    // The driving engine goes away (drains: its runtime stops, its lease is let go).
    h.engines[gone].stop.cancel();

    until("the survivor's runtime", || async {
        h.engines[survivor].chat.runtimes.active_count() == 1
            && h.engines[gone].chat.runtimes.active_count() == 0
    })
    .await;
    let second = h.say(&t, "chat_move", &agent, "which colour?").await;
    until("the answer after the take-over", || async {
        h.answer(&t.id, "chat_move", &second).is_some()
    })
    .await;
    assert_eq!(
        h.answer(&t.id, "chat_move", &second).expect("answer").0,
        "it was blue"
    );
    let last = h
        .fake
        .requests("takeover-1")
        .last()
        .expect("request")
        .body
        .to_string();
    assert!(
        last.contains("my colour is blue") && last.contains("noted"),
        "{last}"
    );
    let now = bus::lease::holder_of(&h.app.platform.redis, &lease)
        .await
        .expect("holder");
    assert_eq!(
        now.as_deref(),
        Some(h.engines[survivor].chat.runtimes.instance_id())
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_message_right_behind_end_is_not_lost() {
    let h = harness(json!({})).await;
    let t = h.app.tenant("a").await;
    h.fake.script(
        "behind-1",
        vec![Reply::text("first"), Reply::text("after the end")],
    );
    let agent = h.start(&t, "chat_behind", "behind-1").await;
    let first = h.say(&t, "chat_behind", &agent, "hello").await;
    until("the answer", || async {
        h.answer(&t.id, "chat_behind", &first).is_some()
    })
    .await;

    h.command(&t, "chat_behind", &agent, "end").await;
    let second = h.say(&t, "chat_behind", &agent, "one more thing").await;

    until("the answer after the end", || async {
        h.answer(&t.id, "chat_behind", &second).is_some()
    })
    .await;
    assert_eq!(
        h.answer(&t.id, "chat_behind", &second).expect("answer").0,
        "after the end"
    );
    let last = h
        .fake
        .requests("behind-1")
        .last()
        .expect("request")
        .body
        .to_string();
    assert!(
        last.contains("hello") && last.contains("first"),
        "the conversation goes on: {last}"
    );
}

#[tokio::test]
async fn a_session_whose_engine_is_killed_is_taken_over_with_its_conversation() {
    let mut h = crate::support::bare_harness(json!({})).await;
    let (doomed, own) = h.add_killable_engine();
    let t = h.app.tenant("a").await;
    h.fake.script(
        "killed-1",
        vec![Reply::text("noted, 42"), Reply::text("you said 42")],
    );
    let agent = h.start(&t, "chat_killed", "killed-1").await;
    let first = h.say(&t, "chat_killed", &agent, "remember 42").await;
    until("the answer", || async {
        h.answer(&t.id, "chat_killed", &first).is_some()
    })
    .await;
    let lease = h.app.platform.keys.chat_lease(&t.id, "chat_killed");
    let doomed_id = h.engines[doomed].chat.runtimes.instance_id().to_owned();
    let holder = bus::lease::holder_of(&h.app.platform.redis, &lease)
        .await
        .expect("holder");
    assert_eq!(holder.as_deref(), Some(doomed_id.as_str()));
    let survivor = h.add_engine().await;

    // Killed: its tasks vanish mid-flight; its lease and liveness key are left to expire.
    own.shutdown_background();

    until("the survivor's new runtime", || async {
        h.engines[survivor].chat.runtimes.active_count() == 1
    })
    .await;
    let second = h.say(&t, "chat_killed", &agent, "what number?").await;
    until("the answer after the kill", || async {
        h.answer(&t.id, "chat_killed", &second).is_some()
    })
    .await;
    assert_eq!(
        h.answer(&t.id, "chat_killed", &second).expect("answer").0,
        "you said 42"
    );
    let last = h
        .fake
        .requests("killed-1")
        .last()
        .expect("request")
        .body
        .to_string();
    assert!(
        last.contains("remember 42") && last.contains("noted, 42"),
        "{last}"
    );
    // The dead replica's registry entry is cleaned up by the survivor's reconciler, and the
    // survivor's own chat runtime is left alone.
    let rt = &h.engines[survivor].chat.runtimes;
    let report = engine_svc::runtimes::reconcile::reconcile_once(
        rt,
        &engine_svc::runtimes::reconcile::LogVanished,
    )
    .await
    .expect("reconcile");
    let cleaned = report.finished.len() + report.vanished.len();
    assert_eq!(cleaned, 1, "{report:?}");
    assert_eq!(rt.active_count(), 1);
    let entries = rt.registry().scan().await.expect("scan").0;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].instance, rt.instance_id());
}
