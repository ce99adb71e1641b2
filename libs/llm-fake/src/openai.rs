//! OpenAI chat completions, as `POST /v1/chat/completions` answers: `chat.completion.chunk`
//! events then `data: [DONE]` when streamed, one `chat.completion` object when not.

use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::sse::{self, data};
use crate::turn::{Stop, Turn, pieces, tokens};
use crate::wire::{Exchange, WireError};

const FINGERPRINT: &str = "fp_llm_fake";

/// `{"error":{"message","type","param","code"}}`, with the type and code OpenAI gives the status.
pub(crate) fn error_body(error: &WireError) -> Value {
    let (default_type, code) = match error.status.as_u16() {
        401 => ("invalid_request_error", Some("invalid_api_key")),
        429 => ("requests", Some("rate_limit_exceeded")),
        500..=599 => ("server_error", None),
        _ => ("invalid_request_error", None),
    };
    json!({"error": {
        "message": error.message,
        "type": error.error_type.as_deref().unwrap_or(default_type),
        "param": null,
        "code": code,
    }})
}

/// The fields OpenAI refuses a request without.
pub(crate) fn validate(request: &Value) -> Result<(), WireError> {
    let bad = |message: &str| Err(WireError::new(StatusCode::BAD_REQUEST, message));
    if request
        .get("model")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return bad("you must provide a model parameter");
    }
    if !request.get("messages").is_some_and(Value::is_array) {
        return bad("Missing required parameter: 'messages'.");
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
    let id = format!("chatcmpl-fake{}", exchange.id);
    if exchange.stream {
        let mut events = events(turn, exchange, &id);
        if let Some((after, error)) = failing {
            events.truncate(after);
            events.push(data(&error_body(error).to_string()));
        }
        sse::stream_response(events, exchange.pacing, ("x-request-id", &id))
    } else {
        let body = Bytes::from(completion(turn, exchange, &id).to_string());
        sse::json_response(StatusCode::OK, body, exchange.pacing.cut_after.is_some())
    }
}

fn call_id(exchange: &Exchange, index: usize, scripted: Option<&String>) -> String {
    scripted
        .cloned()
        .unwrap_or_else(|| format!("call_fake{}_{index}", exchange.id))
}

fn finish_reason(stop: Stop) -> &'static str {
    match stop {
        Stop::End => "stop",
        Stop::ToolUse => "tool_calls",
        Stop::MaxTokens => "length",
    }
}

fn usage(turn: &Turn, exchange: &Exchange) -> Value {
    let completion = turn.output_tokens();
    let reasoning = turn
        .thinking
        .as_ref()
        .map_or(0, |thinking| tokens(thinking.chars().count()));
    json!({
        "prompt_tokens": exchange.input_tokens,
        "completion_tokens": completion,
        "total_tokens": exchange.input_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    })
}

/// The non-streamed `chat.completion`.
fn completion(turn: &Turn, exchange: &Exchange, id: &str) -> Value {
    let mut message = Map::new();
    message.insert("role".into(), json!("assistant"));
    message.insert("content".into(), json!(turn.text));
    if let Some(thinking) = &turn.thinking {
        message.insert("reasoning".into(), json!(thinking));
    }
    if !turn.calls.is_empty() {
        let calls = turn.calls.iter().enumerate().map(|(index, call)| {
            json!({
                "id": call_id(exchange, index, call.id.as_ref()),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            })
        });
        message.insert("tool_calls".into(), Value::Array(calls.collect()));
    }
    json!({
        "id": id,
        "object": "chat.completion",
        "created": exchange.created_s,
        "model": exchange.model,
        "system_fingerprint": FINGERPRINT,
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": finish_reason(turn.stop),
        }],
        "usage": usage(turn, exchange),
    })
}

/// The streamed events: role, reasoning, text, each tool call's head then its argument
/// fragments, the finish reason, the usage chunk when asked for, `[DONE]`.
fn events(turn: &Turn, exchange: &Exchange, id: &str) -> Vec<Bytes> {
    let chunk = |delta: Value, finish: Option<&str>| {
        let mut chunk = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": exchange.created_s,
            "model": exchange.model,
            "system_fingerprint": FINGERPRINT,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        });
        if exchange.include_usage {
            chunk["usage"] = Value::Null;
        }
        data(&chunk.to_string())
    };
    let opening_content = if turn.text.is_some() {
        json!("")
    } else {
        Value::Null
    };
    let mut out = vec![chunk(
        json!({"role": "assistant", "content": opening_content}),
        None,
    )];
    if let Some(thinking) = &turn.thinking {
        out.extend(
            pieces(thinking)
                .into_iter()
                .map(|piece| chunk(json!({"reasoning": piece}), None)),
        );
    }
    if let Some(text) = &turn.text {
        out.extend(
            pieces(text)
                .into_iter()
                .map(|piece| chunk(json!({"content": piece}), None)),
        );
    }
    for (index, call) in turn.calls.iter().enumerate() {
        let head = json!({"tool_calls": [{
            "index": index,
            "id": call_id(exchange, index, call.id.as_ref()),
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }]});
        out.push(chunk(head, None));
        out.extend(pieces(&call.arguments).into_iter().map(|fragment| {
            chunk(
                json!({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}),
                None,
            )
        }));
    }
    out.push(chunk(json!({}), Some(finish_reason(turn.stop))));
    if exchange.include_usage {
        let last = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": exchange.created_s,
            "model": exchange.model,
            "system_fingerprint": FINGERPRINT,
            "choices": [],
            "usage": usage(turn, exchange),
        });
        out.push(data(&last.to_string()));
    }
    out.push(data("[DONE]"));
    out
}
