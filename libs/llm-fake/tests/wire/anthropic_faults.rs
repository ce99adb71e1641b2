//! `POST /v1/messages` failing as Anthropic fails: errors, cuts, slowness, missing keys.

use std::time::Duration;

use llm_fake::{LlmFake, Reply};
use serde_json::{Value, json};

use crate::anthropic::{assemble, message, request, stream};
use crate::support::{ANTHROPIC_KEY, model, post, read_sse};

#[tokio::test]
async fn errors_have_the_anthropic_shape_and_retry_after() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![
            Reply::error(429, "Number of requests has exceeded your rate limit").retry_after(3),
            Reply::error(500, "Internal server error"),
            Reply::error(529, "Overloaded"),
        ],
    );
    let (_, response) = post(
        &fake.base_url(),
        "/v1/messages",
        ANTHROPIC_KEY,
        &request(&m, true),
    )
    .await;
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    let (status, body) = message(&fake, &request(&m, false)).await;
    assert_eq!(
        (status, body["error"]["type"].as_str()),
        (500, Some("api_error"))
    );
    let (status, body) = message(&fake, &request(&m, false)).await;
    assert_eq!(
        (status, body["error"]["type"].as_str()),
        (529, Some("overloaded_error"))
    );
}

#[tokio::test]
async fn a_disconnect_truncates_the_stream_without_message_stop() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(&m, vec![Reply::disconnect_after(4).chunk_delay(5)]);
    let got = stream(&fake, &request(&m, true)).await;
    assert!(!got.complete);
    assert_eq!(
        got.names(),
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta"
        ]
    );
    let message = assemble(&got);
    assert!(!message.stopped && message.stop_reason.is_none());
}

#[tokio::test]
async fn delays_hold_the_first_byte_and_space_the_events() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(&m, vec![Reply::text("abc").delay(200).chunk_delay(40)]);
    let (started, response) = post(
        &fake.base_url(),
        "/v1/messages",
        ANTHROPIC_KEY,
        &request(&m, true),
    )
    .await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    let got = read_sse(started, response).await;
    let span = got.events[got.events.len() - 1].at - got.events[0].at;
    let gaps = u32::try_from(got.events.len() - 1).expect("few events");
    assert!(
        span >= Duration::from_millis(40) * gaps * 9 / 10,
        "{span:?} over {gaps} gaps"
    );
}

#[tokio::test]
async fn a_request_without_x_api_key_is_refused_like_anthropic() {
    let fake = LlmFake::start().await;
    let m = model();
    // A Bearer header is the other wire's key: still no x-api-key.
    let wrong: &[(&str, &str)] = &[
        ("authorization", "Bearer sk"),
        ("anthropic-version", "2023-06-01"),
    ];
    let (_, response) = post(&fake.base_url(), "/v1/messages", wrong, &request(&m, true)).await;
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({"type": "error", "error": {"type": "authentication_error", "message": "x-api-key header is required"}})
    );
    // The version header and max_tokens are required too.
    let (_, response) = post(
        &fake.base_url(),
        "/v1/messages",
        &[("x-api-key", "k")],
        &request(&m, false),
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
    let mut body = request(&m, false);
    body.as_object_mut().map(|b| b.remove("max_tokens"));
    let (status, body) = message(&fake, &body).await;
    assert_eq!(
        (status, body["error"]["type"].as_str()),
        (400, Some("invalid_request_error"))
    );
}
#[tokio::test]
async fn an_error_mid_stream_arrives_as_an_error_event() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(&m, vec![Reply::error(529, "Overloaded").mid_stream(4); 2]);
    let got = stream(&fake, &request(&m, true)).await;
    assert_eq!(got.status, 200);
    assert!(
        got.complete,
        "the stream ends cleanly after the error event"
    );
    let names = got.names();
    assert_eq!(
        names,
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "error"
        ]
    );
    let error = got.events[4].json();
    assert_eq!(
        error,
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    );
    // Not streamed, the same reply is the HTTP error.
    let (status, body) = message(&fake, &request(&m, false)).await;
    assert_eq!(
        (status, body["error"]["type"].as_str()),
        (529, Some("overloaded_error"))
    );
}
