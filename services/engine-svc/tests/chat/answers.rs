//! Answers stream in order and are completed once each, whatever arrives during start-up.

use engine_svc::runtimes::reconcile::{LogVanished, reconcile_once};
use llm_fake::Reply;
use serde_json::json;

use crate::support::{harness, until};

const TEXT: &str = "The quick brown fox jumps over the lazy dog, and then it does so once more.";

#[tokio::test]
async fn a_chat_answers_with_its_tokens_streamed_in_order_and_completes_the_message() {
    let h = harness(json!({})).await;
    let t = h.app.tenant("a").await;
    h.fake.script(
        "answers-1",
        vec![Reply::text(TEXT).with_thinking("let me see")],
    );
    let agent = h.start(&t, "chat_one", "answers-1").await;
    let answer = h.say(&t, "chat_one", &agent, "hello there").await;

    until("the answer", || async {
        h.answer(&t.id, "chat_one", &answer).is_some()
    })
    .await;

    let (content, aborted) = h.answer(&t.id, "chat_one", &answer).expect("answered");
    assert_eq!((content.as_str(), aborted), (TEXT, false));
    let frames = h.frames(&t.id, "chat_one").await;
    let streamed: String = frames
        .iter()
        .filter(|f| f["type"] == "output")
        .map(|f| f["data"]["content"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(streamed, TEXT, "the tokens arrive in order, each once");
    assert!(
        frames.iter().filter(|f| f["type"] == "output").count() > 1,
        "streamed in pieces"
    );
    let kinds = h.kinds(&t.id, "chat_one").await;
    let at = |k: &str| {
        kinds
            .iter()
            .position(|x| x == k)
            .unwrap_or_else(|| panic!("no {k} in {kinds:?}"))
    };
    assert!(at("container_ready") < at("output"));
    assert!(at("thinking") < at("turn_end"));
    assert!(at("output") < at("turn_end"));
    assert_eq!(
        frames.last().expect("frames")["data"],
        json!({"success": true})
    );
    let completion = h.svc.completions.lock().expect("lock")[0].2.clone();
    assert_eq!(completion["thinking"], "let me see");
    // The model got the persona with the session's supplement, and the message.
    let request = &h.fake.requests("answers-1")[0].body;
    let sent = request.to_string();
    assert!(
        sent.contains("Ada, a careful engineer") && sent.contains("Answer briefly."),
        "{sent}"
    );
    assert!(sent.contains("hello there"));
    let statuses: Vec<String> = h
        .svc
        .session(&t.id, "chat_one")
        .expect("session")
        .statuses
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(statuses, ["starting", "running"]);
    // The reconciler leaves a chat runtime alone while its session's driver holds the lease.
    let rt = &h.engines[0].chat.runtimes;
    let report = reconcile_once(rt, &LogVanished).await.expect("reconcile");
    assert!(
        report.finished.is_empty() && report.vanished.is_empty(),
        "{report:?}"
    );
    assert_eq!(h.runtimes_running(), 1);
}

#[tokio::test]
async fn messages_sent_while_the_runtime_starts_are_answered_in_order_once_each() {
    let h = harness(json!({})).await;
    let t = h.app.tenant("a").await;
    h.fake.script(
        "answers-3",
        vec![
            Reply::text("first answer"),
            Reply::text("second answer"),
            Reply::text("third answer"),
        ],
    );
    let agent = h.start(&t, "chat_three", "answers-3").await;
    let mut ids = Vec::new();
    for text in ["one?", "two?", "three?"] {
        ids.push(h.say(&t, "chat_three", &agent, text).await);
    }

    until("three answers", || async {
        ids.iter()
            .all(|id| h.answer(&t.id, "chat_three", id).is_some())
    })
    .await;

    let answers: Vec<String> = ids
        .iter()
        .map(|id| h.answer(&t.id, "chat_three", id).expect("answer").0)
        .collect();
    assert_eq!(answers, ["first answer", "second answer", "third answer"]);
    let requests = h.fake.requests("answers-3");
    assert_eq!(requests.len(), 3, "each message reached the model once");
    let last = requests[2].body.to_string();
    assert!(last.contains("one?") && last.contains("first answer") && last.contains("three?"));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        h.svc.completions.lock().expect("lock").len(),
        3,
        "each completed once"
    );
    let turns = h
        .kinds(&t.id, "chat_three")
        .await
        .iter()
        .filter(|k| *k == "turn_end")
        .count();
    assert_eq!(turns, 3);
}

#[tokio::test]
async fn a_model_change_applies_to_the_next_answer() {
    let h = harness(json!({})).await;
    let t = h.app.tenant("a").await;
    h.fake.script("model-a", vec![Reply::text("from a")]);
    h.fake.script("model-b", vec![Reply::text("from b")]);
    let agent = h.start(&t, "chat_model", "model-a").await;
    let first = h.say(&t, "chat_model", &agent, "hi").await;
    h.change_model(&t, "chat_model", &agent, "model-b").await;
    let second = h.say(&t, "chat_model", &agent, "hi again").await;

    until("both answers", || async {
        h.answer(&t.id, "chat_model", &second).is_some()
    })
    .await;

    assert_eq!(
        h.answer(&t.id, "chat_model", &first).expect("a").0,
        "from a"
    );
    assert_eq!(
        h.answer(&t.id, "chat_model", &second).expect("b").0,
        "from b"
    );
}

#[tokio::test]
async fn tool_calls_stream_as_frames_see_the_agents_secrets_and_are_kept_on_the_answer() {
    let h = harness(json!({})).await;
    *h.svc.secrets.lock().expect("lock") = json!({"CHAT_TEST_SECRET": "open-sesame"});
    let t = h.app.tenant("a").await;
    h.fake.script(
        "tools-1",
        vec![
            Reply::tool_call("bash", json!({"command": "echo $CHAT_TEST_SECRET"})),
            Reply::text("the door is open"),
        ],
    );
    let agent = h.start(&t, "chat_tools", "tools-1").await;
    let answer = h.say(&t, "chat_tools", &agent, "open the door").await;

    until("the answer", || async {
        h.answer(&t.id, "chat_tools", &answer).is_some()
    })
    .await;

    assert_eq!(
        h.answer(&t.id, "chat_tools", &answer).expect("answer").0,
        "the door is open"
    );
    let frames = h.frames(&t.id, "chat_tools").await;
    let start = frames
        .iter()
        .find(|f| f["type"] == "tool_start")
        .expect("tool_start");
    assert_eq!(start["data"]["toolName"], "bash");
    let end = frames
        .iter()
        .find(|f| f["type"] == "tool_end")
        .expect("tool_end");
    assert!(
        end["data"]["result"]
            .as_str()
            .is_some_and(|r| r.contains("open-sesame")),
        "{end}"
    );
    let completion = h.svc.completions.lock().expect("lock")[0].2.clone();
    let calls = completion["tool_calls"].as_array().expect("tool calls");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0]["name"].as_str(), calls[0]["success"].as_bool()),
        (Some("bash"), Some(true))
    );
}
