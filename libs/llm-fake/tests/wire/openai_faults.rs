//! `POST /v1/chat/completions` failing as OpenAI fails: errors, cuts, slowness, missing keys.

use std::time::Duration;

use llm_fake::{LlmFake, Reply};
use serde_json::{Value, json};

use crate::openai::{assemble, complete, request, stream};
use crate::support::{OPENAI_KEY, Stream, model, post, read_sse};

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_500_a_server_error() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![
            Reply::error(429, "Rate limit reached").retry_after(7),
            Reply::error(500, "boom"),
        ],
    );
    let (_, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        &request(&m, true),
    )
    .await;
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: Value = response.json().await.expect("JSON error");
    assert_eq!(body["error"]["message"], "Rate limit reached");
    assert_eq!(body["error"]["type"], "requests");
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
    let (status, body) = complete(&fake, &request(&m, false)).await;
    assert_eq!(status, 500);
    assert_eq!(body["error"]["type"], "server_error");
    assert_eq!(body["error"]["message"], "boom");
}

#[tokio::test]
async fn a_disconnect_truncates_the_stream_without_done() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![
            Reply::disconnect_after(3),
            Reply::text("whole").cut_after(0),
        ],
    );
    let got = stream(&fake, &request(&m, true)).await;
    assert_eq!(got.status, 200);
    assert!(!got.complete, "the body ends in an error, not a clean end");
    assert_eq!(got.events.len(), 3, "exactly the scripted events arrive");
    let chat = assemble(&got);
    assert!(!chat.done && chat.finish.is_none());
    // Not streamed: the body is cut before any JSON.
    let (_, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        &request(&m, false),
    )
    .await;
    assert!(response.json::<Value>().await.is_err());
}

#[tokio::test]
async fn delays_hold_the_first_byte_and_space_the_chunks() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(&m, vec![Reply::text("abcdef").delay(300).chunk_delay(60)]);
    let (started, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        &request(&m, true),
    )
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "headers wait for the delay"
    );
    let got = read_sse(started, response).await;
    let (first, last) = (got.events[0].at, got.events[got.events.len() - 1].at);
    let gaps = u32::try_from(got.events.len() - 1).expect("few events");
    assert!(
        last - first >= Duration::from_millis(60) * gaps * 9 / 10,
        "{:?} over {gaps} gaps",
        last - first
    );
    assert!(got.started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_request_without_a_bearer_key_is_refused_like_openai() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(&m, vec![Reply::text("must stay queued")]);
    for headers in [
        &[][..],
        &[("authorization", "Basic abc")][..],
        &[("authorization", "Bearer ")][..],
    ] {
        let (_, response) = post(
            &fake.openai_base_url(),
            "/chat/completions",
            headers,
            &request(&m, true),
        )
        .await;
        assert_eq!(response.status().as_u16(), 401);
        let body: Value = response.json().await.expect("JSON error");
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("API key"))
        );
    }
    // The refused requests consumed nothing.
    let (_, body) = complete(&fake, &request(&m, false)).await;
    assert_eq!(body["choices"][0]["message"]["content"], "must stay queued");
    let statuses: Vec<u16> = fake.requests(&m).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 401, 401, 200]);
}

#[tokio::test]
async fn a_request_without_messages_is_a_400() {
    let fake = LlmFake::start().await;
    let (status, body) = complete(&fake, &json!({"model": model()})).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "invalid_request_error");
    let (status, _) = complete(&fake, &json!({"messages": []})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_error_mid_stream_arrives_as_an_error_chunk() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![Reply::error(500, "The server had an error").mid_stream(2); 2],
    );
    let got = stream(&fake, &request(&m, true)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.events.len(), 3);
    assert_eq!(got.events[2].json()["error"]["type"], "server_error");
    assert_eq!(
        got.events[2].json()["error"]["message"],
        "The server had an error"
    );
    let chat = assemble(&Stream {
        events: got.events[..2].to_vec(),
        ..got
    });
    assert!(
        !chat.done && chat.finish.is_none(),
        "no [DONE] after an error"
    );
    let (status, body) = complete(&fake, &request(&m, false)).await;
    assert_eq!(
        (status, body["error"]["type"].as_str()),
        (500, Some("server_error"))
    );
}
