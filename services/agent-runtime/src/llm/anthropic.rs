//! Anthropic Messages: the request body (tool results as `tool_result` blocks of a user turn)
//! and the named stream events.

use std::collections::BTreeMap;

use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::provider::Endpoint;
use super::sse::SseEvent;
use super::{ChatRequest, Delta, LlmError, Msg, Reply, StreamParser, ThinkingBlock, ToolCall};

pub const API_VERSION: &str = "2023-06-01";

/// The conversation as alternating turns: consecutive entries of one role share a turn.
fn messages(msgs: &[Msg]) -> Vec<Value> {
    let mut turns: Vec<(&str, Vec<Value>)> = Vec::new();
    for msg in msgs {
        let (role, blocks) = match msg {
            Msg::User(text) => ("user", vec![json!({"type": "text", "text": text})]),
            Msg::Assistant {
                text,
                tool_calls,
                thinking,
            } => {
                // Reasoning first, as it came, byte for byte: the API checks the signatures.
                let mut blocks: Vec<Value> = thinking
                    .iter()
                    .map(|block| match block {
                        ThinkingBlock::Thinking {
                            thinking,
                            signature,
                        } => json!({"type": "thinking", "thinking": thinking, "signature": signature}),
                        ThinkingBlock::Redacted { data } => {
                            json!({"type": "redacted_thinking", "data": data})
                        }
                    })
                    .collect();
                if !text.is_empty() {
                    blocks.push(json!({"type": "text", "text": text}));
                }
                for call in tool_calls {
                    let input: Value =
                        serde_json::from_str(&call.arguments).unwrap_or_else(|_| json!({}));
                    blocks.push(
                        json!({"type": "tool_use", "id": call.id, "name": call.name, "input": input}),
                    );
                }
                ("assistant", blocks)
            }
            Msg::ToolResult {
                call_id,
                content,
                is_error,
                ..
            } => (
                "user",
                vec![json!({"type": "tool_result", "tool_use_id": call_id,
                    "content": content, "is_error": is_error})],
            ),
        };
        if blocks.is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some((last, existing)) if *last == role => existing.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    turns
        .into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect()
}

/// URL, headers and body of a streamed Messages call. Structured output always goes through a
/// forced tool here (the caller asks with `force_tool`).
pub fn request(
    ep: &Endpoint,
    req: &ChatRequest<'_>,
) -> (String, Vec<(&'static str, String)>, Value) {
    let mut body = json!({
        "model": ep.model,
        "max_tokens": req.max_tokens,
        "messages": messages(req.messages),
        "stream": true,
    });
    if let Some(system) = req.system {
        body["system"] = json!(system);
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        if let Some(name) = req.force_tool {
            body["tool_choice"] = json!({"type": "tool", "name": name});
        }
    }
    let mut headers = vec![("anthropic-version", API_VERSION.to_owned())];
    if let Some(key) = &ep.api_key {
        headers.push(("x-api-key", key.expose_secret().to_owned()));
    }
    (format!("{}/v1/messages", ep.base_url), headers, body)
}

/// Follows `message_start`, `content_block_*`, `message_delta`, `message_stop`, `error`.
#[derive(Debug, Default)]
pub struct Parser {
    reply: Reply,
    calls: BTreeMap<u64, ToolCall>,
    /// `thinking` and `redacted_thinking` blocks by index, filled by their deltas.
    thinking: BTreeMap<u64, ThinkingBlock>,
}

impl StreamParser for Parser {
    fn feed(
        &mut self,
        event: &SseEvent,
        on_delta: &mut dyn FnMut(Delta<'_>),
    ) -> Result<bool, LlmError> {
        let data: Value = serde_json::from_str(&event.data)
            .map_err(|e| LlmError::Stream(format!("an event is not JSON: {e}")))?;
        let kind = data["type"]
            .as_str()
            .or(event.event.as_deref())
            .unwrap_or("");
        let index = data["index"].as_u64().unwrap_or(0);
        match kind {
            "message_start" => {
                let usage = &data["message"]["usage"];
                let usage_out = &mut self.reply.usage;
                usage_out.input_tokens = usage["input_tokens"].as_u64().unwrap_or(0);
                usage_out.cache_read_tokens =
                    usage["cache_read_input_tokens"].as_u64().unwrap_or(0);
                usage_out.cache_write_tokens =
                    usage["cache_creation_input_tokens"].as_u64().unwrap_or(0);
            }
            "content_block_start" => {
                let block = &data["content_block"];
                let text = |name: &str| block[name].as_str().unwrap_or_default().to_owned();
                if block["type"] == "thinking" {
                    let (thinking, signature) = (text("thinking"), text("signature"));
                    self.thinking.insert(
                        index,
                        ThinkingBlock::Thinking {
                            thinking,
                            signature,
                        },
                    );
                } else if block["type"] == "redacted_thinking" {
                    let data = text("data");
                    self.thinking
                        .insert(index, ThinkingBlock::Redacted { data });
                } else if block["type"] == "tool_use" {
                    self.calls.insert(
                        index,
                        ToolCall {
                            id: block["id"].as_str().unwrap_or_default().to_owned(),
                            name: block["name"].as_str().unwrap_or_default().to_owned(),
                            arguments: String::new(),
                        },
                    );
                }
            }
            "content_block_delta" => {
                let delta = &data["delta"];
                match delta["type"].as_str().unwrap_or("") {
                    "text_delta" => {
                        let text = delta["text"].as_str().unwrap_or("");
                        self.reply.text.push_str(text);
                        on_delta(Delta::Text(text));
                    }
                    "thinking_delta" => {
                        let piece = delta["thinking"].as_str().unwrap_or("");
                        self.reply.thinking.push_str(piece);
                        if let Some(ThinkingBlock::Thinking { thinking, .. }) =
                            self.thinking.get_mut(&index)
                        {
                            thinking.push_str(piece);
                        }
                        on_delta(Delta::Thinking(piece));
                    }
                    "signature_delta" => {
                        if let Some(ThinkingBlock::Thinking { signature, .. }) =
                            self.thinking.get_mut(&index)
                        {
                            signature.push_str(delta["signature"].as_str().unwrap_or(""));
                        }
                    }
                    "input_json_delta" => {
                        if let Some(call) = self.calls.get_mut(&index) {
                            call.arguments
                                .push_str(delta["partial_json"].as_str().unwrap_or(""));
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(reason) = data["delta"]["stop_reason"].as_str() {
                    self.reply.stop_reason = Some(reason.to_owned());
                }
                if let Some(out) = data["usage"]["output_tokens"].as_u64() {
                    self.reply.usage.output_tokens = out;
                }
            }
            "message_stop" => return Ok(true),
            "error" => {
                let message = data["error"]["message"]
                    .as_str()
                    .unwrap_or("provider error");
                return Err(LlmError::Stream(message.to_owned()));
            }
            _ => {}
        }
        Ok(false)
    }

    fn finish(mut self, complete: bool) -> Result<Reply, LlmError> {
        if !complete {
            return Err(LlmError::Stream(
                "the stream ended before message_stop".into(),
            ));
        }
        self.reply.tool_calls = self
            .calls
            .into_values()
            .map(|mut call| {
                if call.arguments.trim().is_empty() {
                    call.arguments = "{}".into();
                }
                call
            })
            .collect();
        // An unsigned thinking block would be refused if sent back; only signed ones are kept.
        self.reply.thinking_blocks = self
            .thinking
            .into_values()
            .filter(|block| match block {
                ThinkingBlock::Thinking { signature, .. } => !signature.is_empty(),
                ThinkingBlock::Redacted { data } => !data.is_empty(),
            })
            .collect();
        self.reply.usage.calls = 1;
        Ok(self.reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_results_share_a_user_turn_and_events_reassemble() {
        let msgs = [
            Msg::User("go".into()),
            Msg::Assistant {
                text: String::new(),
                thinking: vec![ThinkingBlock::Redacted { data: "r".into() }],
                tool_calls: vec![ToolCall {
                    id: "t1".into(),
                    name: "read".into(),
                    arguments: r#"{"path":"a"}"#.into(),
                }],
            },
            Msg::ToolResult {
                call_id: "t1".into(),
                name: "read".into(),
                content: "x".into(),
                is_error: false,
            },
            Msg::User("continue".into()),
        ];
        let turns = messages(&msgs);
        assert_eq!(turns.len(), 3);
        assert_eq!(
            turns[1]["content"][0],
            json!({"type": "redacted_thinking", "data": "r"})
        );
        assert_eq!(turns[1]["content"][1]["input"]["path"], "a");
        assert_eq!(turns[2]["content"].as_array().map(Vec::len), Some(2));

        let mut parser = Parser::default();
        let mut text = String::new();
        let mut on_delta = |d: Delta<'_>| {
            if let Delta::Text(t) = d {
                text.push_str(t);
            }
        };
        let mut done = false;
        for data in [
            r#"{"type":"message_start","message":{"id":"m","usage":{"input_tokens":5}}}"#,
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}}"#,
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t2","name":"bash"}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"command\":"}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"ls\"}"}}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":4}}"#,
            r#"{"type":"message_stop"}"#,
        ] {
            done |= parser
                .feed(
                    &SseEvent {
                        event: None,
                        data: data.into(),
                    },
                    &mut on_delta,
                )
                .expect("event");
        }
        let reply = parser.finish(done).expect("reply");
        assert_eq!(text, "ok");
        assert_eq!(reply.tool_calls[0].arguments, r#"{"command":"ls"}"#);
        assert_eq!(
            (reply.usage.input_tokens, reply.usage.output_tokens),
            (5, 4)
        );
    }
}
