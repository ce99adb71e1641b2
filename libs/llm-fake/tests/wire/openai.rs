//! `POST /v1/chat/completions`, streamed and not, read the way an OpenAI client reads it.

use std::collections::BTreeMap;

use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::{Value, json};

use crate::support::{OPENAI_KEY, Stream, model, post, read_sse};

/// What an OpenAI client rebuilds from the chunks.
#[derive(Debug, Default)]
pub(crate) struct Assembled {
    pub role: Option<String>,
    pub content: String,
    pub content_chunks: usize,
    pub reasoning: String,
    /// By `index`: id, name, argument fragments.
    pub calls: BTreeMap<u64, (String, String, Vec<String>)>,
    pub finish: Option<String>,
    pub usage: Option<Value>,
    pub done: bool,
}

pub(crate) fn assemble(stream: &Stream) -> Assembled {
    let mut out = Assembled::default();
    for event in &stream.events {
        assert!(event.name.is_none(), "OpenAI sends no event names");
        if event.data == "[DONE]" {
            out.done = true;
            continue;
        }
        assert!(!out.done, "nothing may follow [DONE]");
        let chunk = event.json();
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert!(
            chunk["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("chatcmpl-"))
        );
        assert!(chunk["created"].is_u64());
        if let Some(usage) = chunk.get("usage").filter(|u| !u.is_null()) {
            assert_eq!(
                chunk["choices"],
                json!([]),
                "the usage chunk has no choices"
            );
            out.usage = Some(usage.clone());
        }
        for choice in chunk["choices"].as_array().expect("choices") {
            assert_eq!(choice["index"], 0);
            let delta = &choice["delta"];
            if let Some(role) = delta["role"].as_str() {
                out.role = Some(role.to_owned());
            }
            if let Some(text) = delta["content"].as_str().filter(|t| !t.is_empty()) {
                out.content.push_str(text);
                out.content_chunks += 1;
            }
            if let Some(text) = delta["reasoning"].as_str() {
                out.reasoning.push_str(text);
            }
            for call in delta["tool_calls"].as_array().into_iter().flatten() {
                let index = call["index"].as_u64().expect("tool call index");
                let entry = out.calls.entry(index).or_default();
                if let Some(id) = call["id"].as_str() {
                    entry.0 = id.to_owned();
                    assert_eq!(call["type"], "function");
                }
                if let Some(name) = call["function"]["name"].as_str() {
                    entry.1.push_str(name);
                }
                if let Some(args) = call["function"]["arguments"]
                    .as_str()
                    .filter(|a| !a.is_empty())
                {
                    entry.2.push(args.to_owned());
                }
            }
            if let Some(finish) = choice["finish_reason"].as_str() {
                out.finish = Some(finish.to_owned());
            }
        }
    }
    out
}

pub(crate) fn request(model: &str, stream: bool) -> Value {
    json!({
        "model": model,
        "messages": [{"role": "user", "content": "hello"}],
        "stream": stream,
        "stream_options": {"include_usage": true},
    })
}

pub(crate) async fn stream(fake: &LlmFake, body: &Value) -> Stream {
    let (started, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        body,
    )
    .await;
    read_sse(started, response).await
}

pub(crate) async fn complete(fake: &LlmFake, body: &Value) -> (u16, Value) {
    let (_, response) = post(
        &fake.openai_base_url(),
        "/chat/completions",
        OPENAI_KEY,
        body,
    )
    .await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn streamed_text_arrives_in_chunks_with_usage_then_done() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![Reply::text("The quick brown fox jumps over the lazy dog.")],
    );
    let got = stream(&fake, &request(&m, true)).await;
    assert_eq!(got.status, 200);
    assert!(
        got.content_type.starts_with("text/event-stream"),
        "{}",
        got.content_type
    );
    assert!(got.complete && got.leftover.is_empty());
    let chat = assemble(&got);
    assert_eq!(chat.role.as_deref(), Some("assistant"));
    assert_eq!(chat.content, "The quick brown fox jumps over the lazy dog.");
    assert!(chat.content_chunks >= 2, "text comes in several chunks");
    assert_eq!(chat.finish.as_deref(), Some("stop"));
    assert!(chat.done);
    let usage = chat.usage.expect("include_usage asks for a usage chunk");
    let (prompt, completion) = (
        usage["prompt_tokens"].as_u64(),
        usage["completion_tokens"].as_u64(),
    );
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(prompt.unwrap_or(0) + completion.unwrap_or(0))
    );
    assert!(completion.unwrap_or(0) > 0);

    // Without include_usage no chunk carries a usage field.
    let mut body = request(&m, true);
    body["stream_options"] = json!({"include_usage": false});
    let got = stream(&fake, &body).await;
    assert!(
        got.events
            .iter()
            .all(|e| e.data == "[DONE]" || e.json().get("usage").is_none())
    );
    assert_eq!(assemble(&got).content, "ok", "an empty queue answers ok");
}

#[tokio::test]
async fn non_streamed_text_is_one_chat_completion() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![Reply::thinking("let me think", "Hello there").hit_max_tokens()],
    );
    let (status, body) = complete(&fake, &request(&m, false)).await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["model"], m.as_str());
    let choice = &body["choices"][0];
    assert_eq!(choice["message"]["role"], "assistant");
    assert_eq!(choice["message"]["content"], "Hello there");
    assert_eq!(choice["message"]["reasoning"], "let me think");
    assert_eq!(choice["finish_reason"], "length");
    assert!(
        body["usage"]["prompt_tokens"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
}

#[tokio::test]
async fn streamed_reasoning_comes_before_the_text() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![Reply::thinking(
            "First I consider the options.",
            "Answer: 42",
        )],
    );
    let got = stream(&fake, &request(&m, true)).await;
    let chat = assemble(&got);
    assert_eq!(chat.reasoning, "First I consider the options.");
    assert_eq!(chat.content, "Answer: 42");
    let first_reasoning = got
        .events
        .iter()
        .position(|e| e.data.contains("\"reasoning\""));
    let first_content = got
        .events
        .iter()
        .position(|e| e.data.contains("\"content\":\"A"));
    assert!(
        first_reasoning < first_content,
        "reasoning deltas precede content deltas"
    );
}

#[tokio::test]
async fn streamed_tool_calls_reassemble_from_fragments() {
    let fake = LlmFake::start().await;
    let m = model();
    let write =
        json!({"path": "src/main.rs", "content": "fn main() {\n    println!(\"hi ✓\");\n}\n"});
    let done = json!({"outputs": {"plan": "ship it"}, "summary": "done"});
    fake.script(
        &m,
        vec![
            Reply::tool_calls(vec![
                ToolCall::new("write", write.clone()),
                ToolCall::new("complete", done.clone()),
            ])
            .with_text("Writing the file."),
        ],
    );
    let chat = assemble(&stream(&fake, &request(&m, true)).await);
    assert_eq!(chat.content, "Writing the file.");
    assert_eq!(chat.finish.as_deref(), Some("tool_calls"));
    assert_eq!(chat.calls.len(), 2);
    for ((index, (id, name, fragments)), (want_name, want_args)) in chat
        .calls
        .iter()
        .zip([("write", &write), ("complete", &done)])
    {
        assert!(id.starts_with("call_"), "call {index} has an id: {id}");
        assert_eq!(name, want_name);
        assert!(
            fragments.len() >= 2,
            "arguments arrive in fragments: {fragments:?}"
        );
        let args: Value =
            serde_json::from_str(&fragments.concat()).expect("fragments join to JSON");
        assert_eq!(&args, want_args);
    }
    assert_ne!(
        chat.calls[&0].0, chat.calls[&1].0,
        "each call has its own id"
    );
}

#[tokio::test]
async fn non_streamed_tool_calls_carry_json_arguments() {
    let fake = LlmFake::start().await;
    let m = model();
    let args = json!({"command": "ls -la", "timeout": 5});
    fake.script(
        &m,
        vec![Reply::tool_calls(vec![
            ToolCall::new("bash", args.clone()).with_id("call_abc"),
        ])],
    );
    let (status, body) = complete(&fake, &request(&m, false)).await;
    assert_eq!(status, 200);
    let message = &body["choices"][0]["message"];
    assert_eq!(message["content"], Value::Null);
    assert_eq!(message["tool_calls"][0]["id"], "call_abc");
    assert_eq!(message["tool_calls"][0]["type"], "function");
    assert_eq!(message["tool_calls"][0]["function"]["name"], "bash");
    let text = message["tool_calls"][0]["function"]["arguments"]
        .as_str()
        .expect("arguments are text");
    assert_eq!(
        serde_json::from_str::<Value>(text).expect("JSON arguments"),
        args
    );
    assert_eq!(body["choices"][0]["finish_reason"], "tool_calls");
}

#[tokio::test]
async fn structured_json_is_the_content_streamed_or_not() {
    let fake = LlmFake::start().await;
    let m = model();
    let value = json!({"tasks": [{"title": "a", "points": 3}], "ok": true});
    fake.script(
        &m,
        vec![Reply::json(value.clone()), Reply::json(value.clone())],
    );
    let mut body = request(&m, false);
    body["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "plan", "strict": true, "schema": {"type": "object"}}});
    let (_, answer) = complete(&fake, &body).await;
    let content = answer["choices"][0]["message"]["content"]
        .as_str()
        .expect("content");
    assert_eq!(
        serde_json::from_str::<Value>(content).expect("JSON content"),
        value
    );
    body["stream"] = json!(true);
    let chat = assemble(&stream(&fake, &body).await);
    assert!(chat.content_chunks >= 2);
    assert_eq!(
        serde_json::from_str::<Value>(&chat.content).expect("JSON content"),
        value
    );
}
