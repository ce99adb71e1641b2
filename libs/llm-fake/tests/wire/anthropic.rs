//! `POST /v1/messages`, streamed and not, read the way an Anthropic client reads it.

use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::{Value, json};

use crate::support::{ANTHROPIC_KEY, Stream, model, post, read_sse};

/// A content block as a client rebuilds it from its deltas.
#[derive(Debug, Default, Clone)]
pub(crate) struct Block {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub text: String,
    pub thinking: String,
    pub signature: String,
    /// A `redacted_thinking` block's data (whole in its start event).
    pub data: String,
    pub json_fragments: Vec<String>,
    pub deltas: usize,
    pub stopped: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Assembled {
    pub blocks: Vec<Block>,
    pub stop_reason: Option<String>,
    pub output_tokens: Option<u64>,
    pub input_tokens: Option<u64>,
    pub stopped: bool,
}

pub(crate) fn assemble(stream: &Stream) -> Assembled {
    let mut out = Assembled::default();
    for event in &stream.events {
        let name = event
            .name
            .as_deref()
            .expect("every Anthropic event is named");
        let data = event.json();
        assert_eq!(data["type"], name, "the data's type repeats the event name");
        assert!(!out.stopped, "nothing may follow message_stop");
        let index = data["index"].as_u64().and_then(|i| usize::try_from(i).ok());
        match name {
            "message_start" => {
                assert_eq!(data["message"]["role"], "assistant");
                assert!(
                    data["message"]["id"]
                        .as_str()
                        .is_some_and(|id| id.starts_with("msg_"))
                );
                out.input_tokens = data["message"]["usage"]["input_tokens"].as_u64();
            }
            "content_block_start" => {
                let index = index.expect("index");
                assert_eq!(index, out.blocks.len(), "blocks open in order");
                let head = &data["content_block"];
                out.blocks.push(Block {
                    kind: head["type"].as_str().unwrap_or_default().to_owned(),
                    id: head["id"].as_str().unwrap_or_default().to_owned(),
                    name: head["name"].as_str().unwrap_or_default().to_owned(),
                    data: head["data"].as_str().unwrap_or_default().to_owned(),
                    ..Block::default()
                });
            }
            "content_block_delta" => {
                let block = &mut out.blocks[index.expect("index")];
                assert!(!block.stopped);
                block.deltas += 1;
                let delta = &data["delta"];
                match delta["type"].as_str().unwrap_or_default() {
                    "text_delta" => block
                        .text
                        .push_str(delta["text"].as_str().unwrap_or_default()),
                    "thinking_delta" => block
                        .thinking
                        .push_str(delta["thinking"].as_str().unwrap_or_default()),
                    "signature_delta" => block
                        .signature
                        .push_str(delta["signature"].as_str().unwrap_or_default()),
                    "input_json_delta" => {
                        block.json_fragments.push(
                            delta["partial_json"]
                                .as_str()
                                .expect("partial_json")
                                .to_owned(),
                        );
                    }
                    other => panic!("unknown delta {other}"),
                }
            }
            "content_block_stop" => out.blocks[index.expect("index")].stopped = true,
            "message_delta" => {
                out.stop_reason = data["delta"]["stop_reason"].as_str().map(str::to_owned);
                out.output_tokens = data["usage"]["output_tokens"].as_u64();
            }
            "message_stop" => out.stopped = true,
            "ping" => {}
            other => panic!("unknown event {other}"),
        }
    }
    out
}

pub(crate) fn request(model: &str, stream: bool) -> Value {
    json!({
        "model": model,
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
        "stream": stream,
    })
}

pub(crate) async fn stream(fake: &LlmFake, body: &Value) -> Stream {
    let (started, response) = post(&fake.base_url(), "/v1/messages", ANTHROPIC_KEY, body).await;
    read_sse(started, response).await
}

pub(crate) async fn message(fake: &LlmFake, body: &Value) -> (u16, Value) {
    let (_, response) = post(&fake.base_url(), "/v1/messages", ANTHROPIC_KEY, body).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn streamed_text_follows_the_event_sequence() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![Reply::text("Hello from the fake Claude, in pieces.")],
    );
    let got = stream(&fake, &request(&m, true)).await;
    assert_eq!(got.status, 200);
    assert!(got.content_type.starts_with("text/event-stream"));
    assert!(got.complete && got.leftover.is_empty());
    let names = got.names();
    assert_eq!(
        &names[..3],
        ["message_start", "ping", "content_block_start"]
    );
    assert_eq!(
        &names[names.len() - 3..],
        ["content_block_stop", "message_delta", "message_stop"]
    );
    let message = assemble(&got);
    assert_eq!(message.blocks.len(), 1);
    assert_eq!(message.blocks[0].kind, "text");
    assert_eq!(
        message.blocks[0].text,
        "Hello from the fake Claude, in pieces."
    );
    assert!(message.blocks[0].deltas >= 2 && message.blocks[0].stopped);
    assert_eq!(message.stop_reason.as_deref(), Some("end_turn"));
    assert!(
        message.output_tokens.is_some_and(|n| n > 0) && message.input_tokens.is_some_and(|n| n > 0)
    );
    assert!(message.stopped);
}

#[tokio::test]
async fn streamed_thinking_then_text_and_max_tokens() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![Reply::thinking("Weighing it up carefully.", "Done.").hit_max_tokens()],
    );
    let message = assemble(&stream(&fake, &request(&m, true)).await);
    let kinds: Vec<&str> = message.blocks.iter().map(|b| b.kind.as_str()).collect();
    assert_eq!(kinds, ["thinking", "text"]);
    assert_eq!(message.blocks[0].thinking, "Weighing it up carefully.");
    assert!(
        !message.blocks[0].signature.is_empty(),
        "thinking blocks are signed"
    );
    assert_eq!(message.blocks[1].text, "Done.");
    assert_eq!(message.stop_reason.as_deref(), Some("max_tokens"));
}

#[tokio::test]
async fn scripted_signatures_and_redacted_thinking_stream_and_come_whole() {
    let fake = LlmFake::start().await;
    let m = model();
    let scripted = || {
        Reply::tool_call("bash", json!({"command": "ls"}))
            .with_thinking("Look first.")
            .with_signature("sig-Zm9v")
            .with_redacted_thinking("ENCRYPTED-bytes")
    };
    fake.script(&m, vec![scripted(), scripted()]);
    let streamed = assemble(&stream(&fake, &request(&m, true)).await);
    let kinds: Vec<&str> = streamed.blocks.iter().map(|b| b.kind.as_str()).collect();
    assert_eq!(kinds, ["thinking", "redacted_thinking", "tool_use"]);
    assert_eq!(streamed.blocks[0].signature, "sig-Zm9v");
    assert_eq!(streamed.blocks[1].data, "ENCRYPTED-bytes");
    assert_eq!(
        streamed.blocks[1].deltas, 0,
        "redacted thinking has no deltas"
    );
    let (_, body) = message(&fake, &request(&m, false)).await;
    assert_eq!(
        body["content"][0],
        json!({"type": "thinking", "thinking": "Look first.", "signature": "sig-Zm9v"})
    );
    assert_eq!(
        body["content"][1],
        json!({"type": "redacted_thinking", "data": "ENCRYPTED-bytes"})
    );
}

#[tokio::test]
async fn streamed_tool_use_reassembles_partial_json() {
    let fake = LlmFake::start().await;
    let m = model();
    let read = json!({"path": "docs/ünïcode.md", "limit": 200});
    let done = json!({"outputs": {"result": "all good"}, "summary": "done"});
    fake.script(
        &m,
        vec![
            Reply::tool_calls(vec![
                ToolCall::new("read", read.clone()),
                ToolCall::new("complete", done.clone()),
            ])
            .with_thinking("I should read first."),
        ],
    );
    let message = assemble(&stream(&fake, &request(&m, true)).await);
    assert_eq!(message.stop_reason.as_deref(), Some("tool_use"));
    let tools: Vec<&Block> = message
        .blocks
        .iter()
        .filter(|b| b.kind == "tool_use")
        .collect();
    assert_eq!(message.blocks[0].kind, "thinking");
    assert_eq!(tools.len(), 2);
    for (block, (name, args)) in tools.iter().zip([("read", &read), ("complete", &done)]) {
        assert!(block.id.starts_with("toolu_"), "{}", block.id);
        assert_eq!(block.name, name);
        assert!(
            block.json_fragments.len() >= 3,
            "partial_json in fragments: {:?}",
            block.json_fragments
        );
        let input: Value =
            serde_json::from_str(&block.json_fragments.concat()).expect("fragments join to JSON");
        assert_eq!(&input, args);
    }
}

#[tokio::test]
async fn non_streamed_message_carries_every_block() {
    let fake = LlmFake::start().await;
    let m = model();
    fake.script(
        &m,
        vec![
            Reply::tool_call("bash", json!({"command": "echo hi"}))
                .with_text("Running it.")
                .with_thinking("hmm"),
            Reply::text("plain"),
        ],
    );
    let (status, body) = message(&fake, &request(&m, false)).await;
    assert_eq!(status, 200);
    assert_eq!(body["type"], "message");
    assert_eq!(body["role"], "assistant");
    assert_eq!(body["model"], m.as_str());
    assert_eq!(body["stop_reason"], "tool_use");
    let content = body["content"].as_array().expect("content");
    assert_eq!(content[0]["type"], "thinking");
    assert_eq!(content[1], json!({"type": "text", "text": "Running it."}));
    assert_eq!(content[2]["type"], "tool_use");
    assert_eq!(content[2]["name"], "bash");
    assert_eq!(content[2]["input"], json!({"command": "echo hi"}));
    assert!(
        body["usage"]["input_tokens"].as_u64().is_some()
            && body["usage"]["output_tokens"].as_u64().is_some()
    );
    let (_, body) = message(&fake, &request(&m, false)).await;
    assert_eq!(body["content"], json!([{"type": "text", "text": "plain"}]));
    assert_eq!(body["stop_reason"], "end_turn");
}

#[tokio::test]
async fn structured_json_is_the_text_streamed_or_not() {
    let fake = LlmFake::start().await;
    let m = model();
    let value = json!({"verdict": "approve", "score": 0.9});
    fake.script(
        &m,
        vec![Reply::json(value.clone()), Reply::json(value.clone())],
    );
    let (_, body) = message(&fake, &request(&m, false)).await;
    let text = body["content"][0]["text"].as_str().expect("text");
    assert_eq!(serde_json::from_str::<Value>(text).expect("JSON"), value);
    let streamed = assemble(&stream(&fake, &request(&m, true)).await);
    assert_eq!(
        serde_json::from_str::<Value>(&streamed.blocks[0].text).expect("JSON"),
        value
    );
}
