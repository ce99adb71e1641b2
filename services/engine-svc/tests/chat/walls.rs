//! Tenants' sessions are walled: keys are tenant-namespaced and the tenant is the envelope's.

use std::time::Duration;

use llm_fake::Reply;
use serde_json::json;
use shared_schemas::events::Event;
use shared_schemas::events::chat::ChatMessageSent;

use crate::support::{harness, until};

#[tokio::test]
async fn another_tenants_command_for_a_session_id_touches_nothing_of_the_owner() {
    let h = harness(json!({})).await;
    let (a, b) = (h.app.tenant("a").await, h.app.tenant("b").await);
    h.fake.script("walls-1", vec![Reply::text("for a only")]);
    let agent = h.start(&a, "chat_walled", "walls-1").await;
    let answer = h.say(&a, "chat_walled", &agent, "hello").await;
    until("a's answer", || async {
        h.answer(&a.id, "chat_walled", &answer).is_some()
    })
    .await;
    let keys = &h.app.platform.keys;
    let mut redis = h.app.platform.redis.clone();
    let shared = redis.clone();
    let inbox_len = |key: String| {
        let mut redis = shared.clone();
        async move {
            redis::cmd("XLEN")
                .arg(key)
                .query_async::<i64>(&mut redis)
                .await
                .expect("xlen")
        }
    };
    let a_inbox = inbox_len(keys.chat_inbox(&a.id, "chat_walled")).await;
    let a_frames = h.frames(&a.id, "chat_walled").await.len();
    let a_state: Vec<(String, String)> = redis::cmd("HGETALL")
        .arg(keys.chat_state(&a.id, "chat_walled"))
        .query_async(&mut redis)
        .await
        .expect("state");

    h.publish(
        &b.id,
        Event::ChatMessageSent(ChatMessageSent {
            session_id: "chat_walled".into(),
            agent_id: agent.clone(),
            message_id: "msg_intruder".into(),
            assistant_message_id: answer.clone(),
            content: "leak a's chat".into(),
            model: None,
            attachments: Vec::new(),
        }),
    )
    .await;

    // B's stray command is dropped (B has no such session) and nothing of A's changed.
    until("b's stray inbox to go", || async {
        inbox_len(keys.chat_inbox(&b.id, "chat_walled")).await == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        inbox_len(keys.chat_inbox(&a.id, "chat_walled")).await,
        a_inbox
    );
    assert_eq!(h.frames(&a.id, "chat_walled").await.len(), a_frames);
    assert!(h.frames(&b.id, "chat_walled").await.is_empty());
    let after: Vec<(String, String)> = redis::cmd("HGETALL")
        .arg(keys.chat_state(&a.id, "chat_walled"))
        .query_async(&mut redis)
        .await
        .expect("state");
    assert_eq!(after, a_state);
    assert_eq!(
        h.svc.completions.lock().expect("lock").len(),
        1,
        "only a's answer"
    );
    assert_eq!(
        h.answer(&a.id, "chat_walled", &answer).expect("a").0,
        "for a only"
    );
    assert!(
        h.fake
            .requests("walls-1")
            .iter()
            .all(|r| !r.body.to_string().contains("leak"))
    );
    assert_eq!(h.runtimes_running(), 1, "no runtime started for b");
}
