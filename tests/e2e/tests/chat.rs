//! Chat end to end, as a user meets it: through HAProxy, the real agent-svc (sessions and
//! transcript), engine-svc (the session's runtime), sse-relay (the session stream) and the real
//! agent-runtime answering from the fake LLM. Tenant B reads, messages and streams none of it.

mod engine_support;

use std::time::Duration;

use engine_support::chat::{answered, chat_stream, say, start_chat};
use engine_support::sse::{Frame, open};
use engine_support::{call, model, share_fake_key, stack, tenant};
use llm_fake::{LlmFake, Reply};
use serde_json::json;

fn text_of(frames: &[Frame]) -> String {
    frames
        .iter()
        .map(Frame::json)
        .filter(|f| f["type"] == "output")
        .filter_map(|f| f["data"]["content"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_chat_streams_its_answer_keeps_the_transcript_and_restarts_with_its_history() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let a = tenant(&stack, "chat-a@example.com", &fake, &["engineer"]).await;
    let b = tenant(&stack, "chat-b@example.com", &fake, &["engineer"]).await;
    share_fake_key(&stack, &a).await;
    let m = model();
    fake.script(
        &m,
        vec![
            Reply::text("Hello Ada, the build is green.").chunk_delay(20),
            Reply::text("You asked about the build."),
        ],
    );
    let engineer = a.agent("engineer").to_owned();
    let session = start_chat(&stack, &a, "engineer", &m).await;
    let answer = say(&stack, &a, "engineer", &session, "How is the build?").await;

    let mut stream = chat_stream(&stack, &a, &engineer, &session).await;
    let frames = stream.until("turn_end").await;
    assert_eq!(
        text_of(&frames),
        "Hello Ada, the build is green.",
        "{frames:?}"
    );
    let outputs = frames
        .iter()
        .filter(|f| f.json()["type"] == "output")
        .count();
    assert!(
        outputs > 1,
        "streamed token by token, not in one piece: {frames:?}"
    );
    assert!(
        frames
            .iter()
            .filter(|f| f.json()["type"] != "connected")
            .all(|f| f.id.is_some()),
        "every replayed frame is resumable: {frames:?}"
    );

    let transcript = answered(&stack, &a, &session, &answer).await;
    let said: Vec<_> = transcript
        .iter()
        .map(|m| (m["role"].clone(), m["content"].clone()))
        .collect();
    assert_eq!(
        said,
        [
            (json!("user"), json!("How is the build?")),
            (json!("assistant"), json!("Hello Ada, the build is green.")),
        ]
    );

    // Where the answer's key came from is on the session: the shared tenant key, masked.
    let (_, detail) = call(
        &stack,
        &a.token,
        "GET",
        &format!("/v1/chat/sessions/{session}"),
        None,
    )
    .await;
    let resolution = detail["key_resolution"].to_string();
    assert!(
        resolution.contains("custom-fake") && resolution.contains("admin_shared"),
        "{detail}"
    );
    assert!(
        !resolution.contains("sk-fake-key"),
        "never the key itself: {resolution}"
    );

    // Tenant B: not its session, whatever the path or the stream.
    let b_engineer = b.agent("engineer");
    for (method, path, body) in [
        ("GET", format!("/v1/chat/sessions/{session}"), None),
        (
            "POST",
            format!("/v1/agents/{b_engineer}/chat/{session}/message"),
            Some(json!({"message": "let me in"})),
        ),
        (
            "GET",
            format!("/v1/agents/{b_engineer}/chat/{session}/status"),
            None,
        ),
        (
            "POST",
            format!("/v1/agents/{b_engineer}/chat/{session}/end"),
            None,
        ),
    ] {
        let (status, out) = call(&stack, &b.token, method, &path, body).await;
        assert_eq!(status, 404, "{method} {path}: {out}");
    }
    let b_stream = open(
        &stack,
        &format!("/v1/events/sessions/{session}/events"),
        &b.token,
        None,
    )
    .await;
    assert_eq!(b_stream.status, 404);

    // End, restart: the new runtime continues the conversation it was given back.
    let end = format!("/v1/agents/engineer/chat/{session}/end");
    let (status, out) = call(&stack, &a.token, "POST", &end, None).await;
    assert_eq!(status, 200, "{out}");
    let restart = format!("/v1/agents/engineer/chat/{session}/restart");
    let mut restarted = None;
    for _ in 0..50 {
        let (status, out) = call(&stack, &a.token, "POST", &restart, None).await;
        if status == 200 {
            restarted = Some(out);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(restarted.is_some(), "the ended session restarts");
    let second = say(&stack, &a, "engineer", &session, "What did I ask?").await;
    let transcript = answered(&stack, &a, &session, &second).await;
    assert_eq!(
        transcript.last().map(|m| m["content"].clone()),
        Some(json!("You asked about the build."))
    );
    let last = fake
        .requests(&m)
        .pop()
        .expect("a request for the second answer");
    let sent = last.body["messages"].to_string();
    assert!(
        sent.contains("How is the build?") && sent.contains("the build is green"),
        "the restarted runtime had the earlier conversation: {sent}"
    );

    // A model of another provider: the runtime holding the first provider's key is replaced by
    // one holding the new provider's key (and the conversation so far).
    let other = json!({"name": "Fake two", "slug": "fake2", "baseUrl": fake.openai_base_url(),
        "apiKey": "sk-second-key"});
    let (status, body) = call(
        &stack,
        &a.token,
        "POST",
        "/v1/settings/providers",
        Some(other),
    )
    .await;
    assert!(status == 201 || status == 200, "{status} {body}");
    let share = json!({"providerId": "custom-fake2"});
    let (status, body) = call(
        &stack,
        &a.token,
        "POST",
        "/v1/admin/shared-providers",
        Some(share),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let m2 = model();
    fake.script(&m2, vec![Reply::text("Now on the second provider.")]);
    let change = format!("/v1/agents/engineer/chat/{session}/model?model=custom-fake2/{m2}");
    let (status, body) = call(&stack, &a.token, "PATCH", &change, None).await;
    assert_eq!(status, 200, "{body}");
    let third = say(&stack, &a, "engineer", &session, "Switch please.").await;
    let transcript = answered(&stack, &a, &session, &third).await;
    assert_eq!(
        transcript.last().map(|m| m["content"].clone()),
        Some(json!("Now on the second provider."))
    );
    let request = fake
        .requests(&m2)
        .pop()
        .expect("a request on the second provider");
    let auth = request
        .headers
        .get("authorization")
        .cloned()
        .unwrap_or_default();
    assert!(
        auth.ends_with("sk-second-key"),
        "the new provider's key: {auth:?}"
    );
    assert!(
        request.body["messages"]
            .to_string()
            .contains("How is the build?"),
        "the new runtime has the conversation"
    );
}
