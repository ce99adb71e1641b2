//! Queues, automatic replies, the record, and isolation between models under concurrency.

use llm_fake::{LlmFake, Reply, Wire};
use serde_json::{Value, json};

use crate::support::{ANTHROPIC_KEY, OPENAI_KEY, model, post};

async fn openai_text(fake: &LlmFake, body: &Value) -> Value {
    let (_, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        body,
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    response.json::<Value>().await.expect("JSON")["choices"][0]["message"].clone()
}

async fn anthropic_content(fake: &LlmFake, body: &Value) -> Value {
    let (_, response) = post(&fake.base_url(), "/v1/messages", ANTHROPIC_KEY, body).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json::<Value>().await.expect("JSON")["content"].clone()
}

#[tokio::test]
async fn every_request_is_recorded_with_key_headers_and_body() {
    let fake = LlmFake::start().await;
    let m = model();
    let body = json!({
        "model": m,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "read", "parameters": {"type": "object"}}}],
        "temperature": 0.7,
    });
    let headers = [
        ("authorization", "Bearer sk-recorded"),
        ("x-title", "DjinnBot"),
    ];
    post(
        &fake.openai_base_url(),
        "/chat/completions",
        &headers,
        &body,
    )
    .await;
    let anthropic = json!({"model": m, "max_tokens": 10, "messages": []});
    post(&fake.base_url(), "/v1/messages", ANTHROPIC_KEY, &anthropic).await;

    let recorded = fake.requests(&m);
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].wire, Wire::Openai);
    assert_eq!(recorded[0].path, "/v1/chat/completions");
    assert_eq!(recorded[0].headers["authorization"], "Bearer sk-recorded");
    assert_eq!(recorded[0].headers["x-title"], "DjinnBot");
    assert_eq!(recorded[0].model, m);
    assert_eq!(recorded[0].body, body);
    assert_eq!(recorded[0].status, 200);
    assert!(recorded[0].at_ms > 1_600_000_000_000 && recorded[0].at_ms <= recorded[1].at_ms);
    assert_eq!(recorded[1].wire, Wire::Anthropic);
    assert_eq!(recorded[1].headers["x-api-key"], "sk-ant-test");
    assert_eq!(recorded[1].headers["anthropic-version"], "2023-06-01");
    assert!(
        fake.requests(&model()).is_empty(),
        "another model saw nothing"
    );
}

#[tokio::test]
async fn an_empty_queue_calls_complete_with_the_configured_outputs() {
    let fake = LlmFake::start().await;
    let m = model();
    let tools = json!([{"type": "function", "function": {"name": "read"}}, {"type": "function", "function": {"name": "complete"}}]);
    let body = json!({"model": m, "messages": [], "tools": tools});
    let message = openai_text(&fake, &body).await;
    let args = message["tool_calls"][0]["function"]["arguments"]
        .as_str()
        .expect("arguments");
    assert_eq!(message["tool_calls"][0]["function"]["name"], "complete");
    assert_eq!(
        serde_json::from_str::<Value>(args).expect("JSON"),
        json!({"outputs": {}, "summary": "done"})
    );

    fake.auto_outputs(&m, json!({"plan": "three tasks", "branch": "feat/x"}));
    let anthropic = json!({"model": m, "max_tokens": 100, "messages": [], "tools": [{"name": "complete", "input_schema": {}}]});
    let content = anthropic_content(&fake, &anthropic).await;
    assert_eq!(content[0]["type"], "tool_use");
    assert_eq!(content[0]["name"], "complete");
    assert_eq!(
        content[0]["input"],
        json!({"outputs": {"plan": "three tasks", "branch": "feat/x"}, "summary": "done"})
    );
}

#[tokio::test]
async fn an_empty_queue_answers_json_schema_with_the_configured_value_else_ok() {
    let fake = LlmFake::start().await;
    let m = model();
    let structured = json!({"model": m, "messages": [], "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}});
    assert_eq!(openai_text(&fake, &structured).await["content"], "{}");
    fake.auto_json(&m, json!({"approved": true}));
    assert_eq!(
        openai_text(&fake, &structured).await["content"],
        r#"{"approved":true}"#
    );
    let plain = json!({"model": m, "max_tokens": 5, "messages": []});
    assert_eq!(
        anthropic_content(&fake, &plain).await,
        json!([{"type": "text", "text": "ok"}])
    );
}

#[tokio::test]
async fn the_star_queue_serves_models_without_their_own_script() {
    let fake = LlmFake::start().await;
    let (own, other) = (model(), model());
    fake.script(&own, vec![Reply::text("mine")]);
    fake.script("*", vec![Reply::text("shared")]);
    assert_eq!(
        openai_text(&fake, &json!({"model": own, "messages": []})).await["content"],
        "mine"
    );
    assert_eq!(
        openai_text(&fake, &json!({"model": other, "messages": []})).await["content"],
        "shared"
    );
    assert_eq!(
        openai_text(&fake, &json!({"model": other, "messages": []})).await["content"],
        "ok"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_models_never_see_each_others_replies() {
    let fake = std::sync::Arc::new(LlmFake::start().await);
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let fake = fake.clone();
        tasks.push(tokio::spawn(async move {
            let m = model();
            let replies = (0..5)
                .map(|turn| Reply::text(format!("{m} turn {turn}")).chunk_delay(1))
                .collect();
            fake.script(&m, replies);
            for turn in 0..5 {
                let body = if worker % 2 == 0 {
                    json!({"model": m, "messages": [], "stream": false})
                } else {
                    json!({"model": m, "max_tokens": 9, "messages": []})
                };
                let said = if worker % 2 == 0 {
                    openai_text(&fake, &body).await["content"].clone()
                } else {
                    anthropic_content(&fake, &body).await[0]["text"].clone()
                };
                assert_eq!(said, format!("{m} turn {turn}"));
            }
            let recorded = fake.requests(&m);
            assert_eq!(recorded.len(), 5);
            assert!(
                recorded
                    .iter()
                    .all(|r| r.model == m && r.body["model"] == m.as_str())
            );
        }));
    }
    for task in tasks {
        task.await.expect("a worker passed");
    }
}

#[test]
fn replies_round_trip_through_json() {
    let replies = vec![
        Reply::text("hi").delay(5).chunk_delay(2),
        Reply::thinking("t", "x").hit_max_tokens(),
        Reply::tool_call("complete", json!({"outputs": {"a": "b"}})).with_text("done"),
        Reply::json(json!([1, 2])),
        Reply::error(429, "slow")
            .retry_after(2)
            .error_type("insufficient_quota"),
        Reply::disconnect_after(2),
        Reply::error(529, "busy").mid_stream(3),
    ];
    let text = serde_json::to_string(&replies).expect("serialise");
    let back: Vec<Reply> = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(back, replies);
    let parsed: Reply =
        serde_json::from_value(json!({"kind": "error", "status": 500, "message": "x"}))
            .expect("minimal");
    assert_eq!(parsed, Reply::error(500, "x"));
}
