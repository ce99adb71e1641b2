//! Anthropic Messages, as `POST /v1/messages` answers: named SSE events (`message_start`,
//! `ping`, content blocks with their deltas, `message_delta`, `message_stop`) when streamed,
//! one `message` object when not.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};

use crate::sse::{self, event};
use crate::turn::{Stop, Turn, pieces};
use crate::wire::{Exchange, WireError};

/// `{"type":"error","error":{"type","message"}}`, with the type Anthropic gives the status.
pub(crate) fn error_body(error: &WireError) -> Value {
    let default_type = match error.status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    };
    json!({"type": "error", "error": {
        "type": error.error_type.as_deref().unwrap_or(default_type),
        "message": error.message,
    }})
}

/// The version header and the fields Anthropic refuses a request without.
pub(crate) fn validate(headers: &HeaderMap, request: &Value) -> Result<(), WireError> {
    let bad = |message: &str| Err(WireError::new(StatusCode::BAD_REQUEST, message));
    if !headers.contains_key("anthropic-version") {
        return bad("anthropic-version: header is required");
    }
    if request
        .get("model")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return bad("model: Field required");
    }
    if !request.get("max_tokens").is_some_and(Value::is_u64) {
        return bad("max_tokens: Field required");
    }
    if !request.get("messages").is_some_and(Value::is_array) {
        return bad("messages: Field required");
    }
    Ok(())
}

/// The turn as the wire sends it; with `failing`, a stream whose events stop after the
/// given count and end with the error as an event, as an upstream failing part way does.
pub(crate) fn render(
    turn: &Turn,
    exchange: &Exchange,
    failing: Option<(usize, &WireError)>,
) -> Response {
    let id = format!("msg_fake{}", exchange.id);
    if exchange.stream {
        let mut events = events(turn, exchange, &id);
        if let Some((after, error)) = failing {
            events.truncate(after);
            events.push(event("error", &error_body(error).to_string()));
        }
        sse::stream_response(events, exchange.pacing, ("request-id", &id))
    } else {
        let body = Bytes::from(message(turn, exchange, &id).to_string());
        sse::json_response(StatusCode::OK, body, exchange.pacing.cut_after.is_some())
    }
}

fn stop_reason(stop: Stop) -> &'static str {
    match stop {
        Stop::End => "end_turn",
        Stop::ToolUse => "tool_use",
        Stop::MaxTokens => "max_tokens",
    }
}

fn tool_id(exchange: &Exchange, index: usize, scripted: Option<&String>) -> String {
    scripted
        .cloned()
        .unwrap_or_else(|| format!("toolu_fake{}_{index}", exchange.id))
}

fn signature(turn: &Turn, exchange: &Exchange) -> String {
    turn.signature
        .clone()
        .unwrap_or_else(|| format!("fake-signature-{}", exchange.id))
}

/// The non-streamed `message`.
fn message(turn: &Turn, exchange: &Exchange, id: &str) -> Value {
    let mut content = Vec::new();
    if let Some(thinking) = &turn.thinking {
        content.push(
            json!({"type": "thinking", "thinking": thinking, "signature": signature(turn, exchange)}),
        );
    }
    if let Some(data) = &turn.redacted {
        content.push(json!({"type": "redacted_thinking", "data": data}));
    }
    if let Some(text) = &turn.text {
        content.push(json!({"type": "text", "text": text}));
    }
    for (index, call) in turn.calls.iter().enumerate() {
        let input = serde_json::from_str::<Value>(&call.arguments).unwrap_or_else(|_| json!({}));
        content.push(json!({
            "type": "tool_use",
            "id": tool_id(exchange, index, call.id.as_ref()),
            "name": call.name,
            "input": input,
        }));
    }
    json!({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": exchange.model,
        "content": content,
        "stop_reason": stop_reason(turn.stop),
        "stop_sequence": null,
        "usage": {
            "input_tokens": exchange.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": turn.output_tokens(),
        },
    })
}

/// The streamed events, one content block per thinking, text and tool call, each opened,
/// filled with deltas and closed, between `message_start` and `message_stop`.
fn events(turn: &Turn, exchange: &Exchange, id: &str) -> Vec<Bytes> {
    let start = json!({"type": "message_start", "message": {
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": exchange.model,
        "content": [],
        "stop_reason": null,
        "stop_sequence": null,
        "usage": {
            "input_tokens": exchange.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 1,
        },
    }});
    let mut out = vec![
        event("message_start", &start.to_string()),
        event("ping", r#"{"type": "ping"}"#),
    ];
    let mut blocks = Blocks {
        out: &mut out,
        index: 0,
    };
    if let Some(thinking) = &turn.thinking {
        let mut deltas: Vec<Value> = pieces(thinking)
            .into_iter()
            .map(|piece| json!({"type": "thinking_delta", "thinking": piece}))
            .collect();
        deltas.push(json!({"type": "signature_delta", "signature": signature(turn, exchange)}));
        blocks.push(
            json!({"type": "thinking", "thinking": "", "signature": ""}),
            deltas,
        );
    }
    if let Some(data) = &turn.redacted {
        // Arrives whole in its start event; no deltas follow.
        blocks.push(
            json!({"type": "redacted_thinking", "data": data}),
            Vec::new(),
        );
    }
    if let Some(text) = &turn.text {
        let deltas = pieces(text)
            .into_iter()
            .map(|piece| json!({"type": "text_delta", "text": piece}));
        blocks.push(json!({"type": "text", "text": ""}), deltas.collect());
    }
    for (index, call) in turn.calls.iter().enumerate() {
        // The API opens every tool input with an empty fragment; clients must cope with it.
        let fragments = std::iter::once("").chain(pieces(&call.arguments));
        let deltas =
            fragments.map(|fragment| json!({"type": "input_json_delta", "partial_json": fragment}));
        let head = json!({
            "type": "tool_use",
            "id": tool_id(exchange, index, call.id.as_ref()),
            "name": call.name,
            "input": {},
        });
        blocks.push(head, deltas.collect());
    }
    let delta = json!({
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason(turn.stop), "stop_sequence": null},
        "usage": {"output_tokens": turn.output_tokens()},
    });
    out.push(event("message_delta", &delta.to_string()));
    out.push(event("message_stop", r#"{"type":"message_stop"}"#));
    out
}

/// Appends content blocks with consecutive indexes.
struct Blocks<'a> {
    out: &'a mut Vec<Bytes>,
    index: usize,
}

impl Blocks<'_> {
    fn push(&mut self, head: Value, deltas: Vec<Value>) {
        let index = self.index;
        let start = json!({"type": "content_block_start", "index": index, "content_block": head});
        self.out
            .push(event("content_block_start", &start.to_string()));
        for delta in deltas {
            let delta = json!({"type": "content_block_delta", "index": index, "delta": delta});
            self.out
                .push(event("content_block_delta", &delta.to_string()));
        }
        let stop = json!({"type": "content_block_stop", "index": index});
        self.out
            .push(event("content_block_stop", &stop.to_string()));
        self.index += 1;
    }
}
