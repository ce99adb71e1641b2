//! The path every model request takes, whichever wire it speaks: read the body, check the
//! key, record, take the scripted (or automatic) reply, wait, and hand it to the wire's renderer.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::reply::{Reply, ReplyBody};
use crate::sse::Pacing;
use crate::state::{FakeState, Recorded, Wire, now_ms};
use crate::turn::{Turn, tokens};
use crate::{anthropic, auto, openai};

/// The headers kept in the record: what a client test asserts on (the key among them).
const RECORDED_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "anthropic-version",
    "anthropic-beta",
    "content-type",
    "user-agent",
    "http-referer",
    "x-title",
    "openai-organization",
    "openai-project",
];

/// An error as the wire reports it: its renderer picks the body's shape and default type.
#[derive(Debug, Clone)]
pub(crate) struct WireError {
    pub status: StatusCode,
    pub message: String,
    pub error_type: Option<String>,
    pub retry_after: Option<u64>,
}

impl WireError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            error_type: None,
            retry_after: None,
        }
    }

    /// The body of the wire's error, with `Retry-After` when the script set one.
    pub fn into_response(self, wire: Wire) -> Response {
        let retry_after = self.retry_after;
        let body = match wire {
            Wire::Openai => openai::error_body(&self),
            Wire::Anthropic => anthropic::error_body(&self),
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(seconds));
        }
        response
    }
}

/// What a renderer needs to know of the request beyond the turn.
pub(crate) struct Exchange {
    pub model: String,
    pub stream: bool,
    /// OpenAI's `stream_options.include_usage`.
    pub include_usage: bool,
    pub input_tokens: u64,
    /// Unique within this fake; the wire turns it into `chatcmpl-…` or `msg_…`.
    pub id: u64,
    pub created_s: u64,
    pub pacing: Pacing,
}

pub(crate) async fn handle(
    state: FakeState,
    wire: Wire,
    path: &str,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let at_ms = now_ms();
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            return WireError::new(rejection.status(), rejection.body_text()).into_response(wire);
        }
    };
    let (request, model) = match admit(wire, &headers, &body) {
        Ok(admitted) => admitted,
        Err(refused) => {
            let Refused {
                error,
                request,
                model,
            } = *refused;
            // A refused request is recorded too (when it names a model), so a test sees
            // what its client sent without a key.
            if let Some(model) = model {
                let entry = recorded(wire, path, &headers, model, request, at_ms, error.status);
                state.record(entry, body.len());
            }
            return error.into_response(wire);
        }
    };

    let reply = match state.next_reply(&model) {
        Some(reply) => reply,
        None => auto::reply(wire, &request, &state.auto_config(&model)),
    };
    let status = match &reply.body {
        ReplyBody::Error { status, .. } => {
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
        _ => StatusCode::OK,
    };
    let exchange = Exchange {
        model: model.clone(),
        stream: request
            .get("stream")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        include_usage: request
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        input_tokens: tokens(body.len()),
        id: state.next_id(),
        created_s: at_ms / 1000,
        pacing: Pacing {
            between: Duration::from_millis(reply.chunk_delay_ms),
            cut_after: reply.disconnect_after,
        },
    };
    state.record(
        recorded(wire, path, &headers, model, request, at_ms, status),
        body.len(),
    );
    respond(wire, reply, &exchange).await
}

async fn respond(wire: Wire, reply: Reply, exchange: &Exchange) -> Response {
    if reply.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(reply.delay_ms)).await;
    }
    let mid_stream = match &reply.body {
        ReplyBody::Error {
            mid_stream_after: Some(after),
            ..
        } if exchange.stream => Some(*after),
        _ => None,
    };
    let turn = Turn::from_body(reply.body, reply.max_tokens).map(|mut turn| {
        turn.signature = reply.thinking_signature;
        turn.redacted = reply.redacted_thinking;
        turn
    });
    match (turn, mid_stream) {
        (Ok(turn), _) => match wire {
            Wire::Openai => openai::render(&turn, exchange, None),
            Wire::Anthropic => anthropic::render(&turn, exchange, None),
        },
        (Err(error), Some(after)) => {
            let failing = Some((after, &error));
            match wire {
                Wire::Openai => openai::render(&Turn::partial(), exchange, failing),
                Wire::Anthropic => anthropic::render(&Turn::partial(), exchange, failing),
            }
        }
        (Err(error), None) => error.into_response(wire),
    }
}

/// A request the wire refuses, with what could be read of it for the record.
struct Refused {
    error: WireError,
    request: Value,
    model: Option<String>,
}

/// The request and its model, or the wire's refusal.
fn admit(wire: Wire, headers: &HeaderMap, body: &[u8]) -> Result<(Value, String), Box<Refused>> {
    let parsed = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object);
    let model = parsed
        .as_ref()
        .and_then(|request| request.get("model"))
        .and_then(Value::as_str);
    let model = model.map(str::to_owned);
    // The real APIs check the key before they look at the body.
    let checked = check_key(wire, headers).and_then(|()| {
        let request = parsed.as_ref().ok_or_else(|| {
            WireError::new(
                StatusCode::BAD_REQUEST,
                "the request body is not a JSON object",
            )
        })?;
        match wire {
            Wire::Openai => openai::validate(request),
            Wire::Anthropic => anthropic::validate(headers, request),
        }
    });
    match (checked, parsed, model) {
        (Ok(()), Some(request), Some(model)) => Ok((request, model)),
        (checked, parsed, model) => {
            let error = checked
                .err()
                .unwrap_or_else(|| WireError::new(StatusCode::BAD_REQUEST, "model is required"));
            let request = parsed.unwrap_or(Value::Null);
            Err(Box::new(Refused {
                error,
                request,
                model,
            }))
        }
    }
}

fn check_key(wire: Wire, headers: &HeaderMap) -> Result<(), WireError> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let present = match wire {
        Wire::Openai => header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .is_some_and(|key| !key.trim().is_empty()),
        Wire::Anthropic => header("x-api-key").is_some_and(|key| !key.trim().is_empty()),
    };
    if present {
        return Ok(());
    }
    let message = match wire {
        Wire::Openai => {
            "You didn't provide an API key. You need to provide your API key in an Authorization \
             header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        }
        Wire::Anthropic => "x-api-key header is required",
    };
    Err(WireError::new(StatusCode::UNAUTHORIZED, message))
}

fn recorded(
    wire: Wire,
    path: &str,
    headers: &HeaderMap,
    model: String,
    body: Value,
    at_ms: u64,
    status: StatusCode,
) -> Recorded {
    let headers = RECORDED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), value.to_owned()))
        })
        .collect::<BTreeMap<_, _>>();
    Recorded {
        wire,
        path: path.to_owned(),
        headers,
        model,
        body,
        at_ms,
        status: status.as_u16(),
    }
}
