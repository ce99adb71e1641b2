//! A small scripted LLM server for these tests, speaking both wires the runtime's clients use:
//! `POST /v1/chat/completions` (OpenAI chunks) and `POST /v1/messages` (Anthropic events), always
//! streamed. Replies are queued per request `model`; every request body is recorded.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Plain text, streamed in two pieces.
    Text(String),
    /// Tool calls (name, arguments), after optional text.
    Tools(Vec<(String, Value)>),
    /// An HTTP error with an optional `Retry-After` (seconds).
    Status(u16, Option<u64>, String),
    /// `n` text chunks, `delay` apart (for aborts and timeouts).
    Slow(usize, Duration),
    /// Some text, then the connection closes without the stream's end.
    Cut(String),
}

pub fn call(name: &str, args: Value) -> (String, Value) {
    (name.to_owned(), args)
}

#[derive(Default)]
struct Inner {
    scripts: BTreeMap<String, VecDeque<Reply>>,
    requests: BTreeMap<String, Vec<(HeaderMap, Value)>>,
}

#[derive(Clone)]
pub struct FakeLlm {
    inner: Arc<Mutex<Inner>>,
    base: String,
}

impl FakeLlm {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(openai))
            .route("/v1/messages", post(anthropic))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            inner,
            base: format!("http://{addr}"),
        }
    }

    /// The server root; OpenAI-compatible clients use `{base_url}/v1`.
    pub fn base_url(&self) -> String {
        self.base.clone()
    }

    pub fn script(&self, model: &str, replies: Vec<Reply>) {
        let mut inner = self.inner.lock().expect("lock");
        inner
            .scripts
            .entry(model.to_owned())
            .or_default()
            .extend(replies);
    }

    pub fn requests(&self, model: &str) -> Vec<(HeaderMap, Value)> {
        let inner = self.inner.lock().expect("lock");
        inner.requests.get(model).cloned().unwrap_or_default()
    }
}

fn next(inner: &Mutex<Inner>, headers: HeaderMap, body: Value) -> Option<Reply> {
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    let mut inner = inner.lock().ok()?;
    inner
        .requests
        .entry(model.clone())
        .or_default()
        .push((headers, body));
    inner.scripts.get_mut(&model)?.pop_front()
}

fn error(status: u16, retry_after: Option<u64>, message: &str) -> Response {
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(json!({"error": {"message": message, "type": "fake"}})),
    )
        .into_response();
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", secs.to_string().parse().expect("header"));
    }
    response
}

fn sse(events: Vec<String>, delay: Duration) -> Response {
    let stream = futures_util::stream::unfold(events.into_iter(), move |mut events| async move {
        let event = events.next()?;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Some((
            Ok::<_, std::convert::Infallible>(Bytes::from(event)),
            events,
        ))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .expect("response")
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let c = json!({"id": "c", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    format!("data: {c}\n\n")
}

async fn openai(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let Some(reply) = next(&inner, headers, body) else {
        return error(500, None, "no scripted reply");
    };
    let usage = format!(
        "data: {}\n\n",
        json!({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}})
    );
    let (events, delay, finish) = match reply {
        Reply::Status(code, retry, message) => return error(code, retry, &message),
        Reply::Cut(text) => {
            return sse(vec![chunk(json!({"content": text}), None)], Duration::ZERO);
        }
        Reply::Text(text) => {
            let (a, b) = text.split_at(text.len() / 2);
            (
                vec![
                    chunk(
                        json!({"role": "assistant", "content": a, "reasoning": "thinking it over"}),
                        None,
                    ),
                    chunk(json!({"content": b}), None),
                ],
                Duration::ZERO,
                "stop",
            )
        }
        Reply::Slow(n, delay) => (
            (0..n)
                .map(|i| chunk(json!({"content": format!("tick {i} ")}), None))
                .collect(),
            delay,
            "stop",
        ),
        Reply::Tools(calls) => {
            let mut events = Vec::new();
            for (i, (name, args)) in calls.iter().enumerate() {
                let args = args.to_string();
                let (a, b) = args.split_at(args.len() / 2);
                events.push(chunk(
                    json!({"tool_calls": [{"index": i, "id": format!("call_{i}"),
                    "type": "function", "function": {"name": name, "arguments": a}}]}),
                    None,
                ));
                events.push(chunk(
                    json!({"tool_calls": [{"index": i, "function": {"arguments": b}}]}),
                    None,
                ));
            }
            (events, Duration::ZERO, "tool_calls")
        }
    };
    let mut events = events;
    events.push(chunk(json!({}), Some(finish)));
    events.push(usage);
    events.push("data: [DONE]\n\n".to_owned());
    sse(events, delay)
}

fn event(name: &str, data: Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

async fn anthropic(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let Some(reply) = next(&inner, headers, body) else {
        return error(500, None, "no scripted reply");
    };
    let mut events = vec![event(
        "message_start",
        json!({"type": "message_start",
        "message": {"id": "msg_1", "usage": {"input_tokens": 13}}}),
    )];
    let mut delay = Duration::ZERO;
    let stop = match reply {
        Reply::Status(code, retry, message) => return error(code, retry, &message),
        Reply::Cut(text) => {
            events.push(event(
                "content_block_delta",
                json!({"type": "content_block_delta",
                "index": 0, "delta": {"type": "text_delta", "text": text}}),
            ));
            return sse(events, Duration::ZERO);
        }
        Reply::Text(text) => {
            events.push(event(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "text", "text": ""}}),
            ));
            events.push(event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": text}}),
            ));
            "end_turn"
        }
        Reply::Slow(n, d) => {
            delay = d;
            for i in 0..n {
                events.push(event(
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": format!("tick {i} ")}}),
                ));
            }
            "end_turn"
        }
        Reply::Tools(calls) => {
            for (i, (name, args)) in calls.iter().enumerate() {
                events.push(event("content_block_start", json!({"type": "content_block_start", "index": i,
                    "content_block": {"type": "tool_use", "id": format!("toolu_{i}"), "name": name, "input": {}}})));
                let args = args.to_string();
                let (a, b) = args.split_at(args.len() / 2);
                for part in [a, b] {
                    events.push(event(
                        "content_block_delta",
                        json!({"type": "content_block_delta", "index": i,
                        "delta": {"type": "input_json_delta", "partial_json": part}}),
                    ));
                }
            }
            "tool_use"
        }
    };
    events.push(event(
        "message_delta",
        json!({"type": "message_delta",
        "delta": {"stop_reason": stop}, "usage": {"output_tokens": 7}}),
    ));
    events.push(event("message_stop", json!({"type": "message_stop"})));
    sse(events, delay)
}
