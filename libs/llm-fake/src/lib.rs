//! An offline LLM server that speaks the real OpenAI chat-completions and Anthropic Messages
//! wires, so the platform's real clients run against it in tests, benchmarks and `make up`
//! demos without a network or a key worth anything.
//!
//! Replies are queued per request `model` (each test uses its own model name, so tests share
//! one fake safely), with a fallback queue for `*`; an empty queue answers automatically (a `complete`
//! call, the configured JSON, or "ok"). Every request is recorded per model. Drive it in-process through [`LlmFake`],
//! or from another process through the `/_fake` admin API (see `docs/llm-fake.md`).

mod admin;
mod anthropic;
mod auto;
mod openai;
mod reply;
mod sse;
mod state;
mod turn;
mod wire;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use reply::{Reply, ReplyBody, ToolCall};
pub use state::{ANY_MODEL, AutoConfig, FakeState, Limits, Recorded, ScriptError, Wire};

/// Both wires and the admin API on one router.
pub fn router(state: FakeState) -> Router {
    let max_body = state.limits().max_body_bytes;
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/messages", post(messages))
        .merge(admin::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

async fn chat_completions(
    State(state): State<FakeState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    wire::handle(state, Wire::Openai, "/v1/chat/completions", headers, body).await
}

async fn messages(
    State(state): State<FakeState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    wire::handle(state, Wire::Anthropic, "/v1/messages", headers, body).await
}

async fn not_found() -> Response {
    let body = json!({"detail": "no such route on the fake LLM server", "code": "not_found"});
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// A running fake: its address, its scripts and its record. Dropping it stops the server.
pub struct LlmFake {
    state: FakeState,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl LlmFake {
    /// Starts a fake on `127.0.0.1:0` with the default limits.
    ///
    /// # Panics
    /// When no local port can be bound, which leaves a test nothing to run against.
    pub async fn start() -> Self {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::bind(addr, Limits::default())
            .await
            .expect("the fake LLM server binds 127.0.0.1:0")
    }

    /// Starts a fake on `addr`.
    pub async fn bind(addr: SocketAddr, limits: Limits) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = FakeState::new(limits);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = router(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Self {
            state,
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: an Anthropic client's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v1`: an OpenAI-compatible client's base URL.
    pub fn openai_base_url(&self) -> String {
        format!("{}/v1", self.base_url())
    }

    pub fn state(&self) -> &FakeState {
        &self.state
    }

    /// Queues replies for `model` (`*` serves every model without its own).
    ///
    /// # Panics
    /// When a reply is invalid or the queue is full: a mistake in the test itself.
    pub fn script(&self, model: &str, replies: Vec<Reply>) {
        if let Err(error) = self.try_script(model, replies) {
            panic!("llm-fake script for {model}: {error}");
        }
    }

    /// Queues replies for `model`; answers the queue's new length.
    pub fn try_script(&self, model: &str, replies: Vec<Reply>) -> Result<usize, ScriptError> {
        self.state.push_script(model, replies)
    }

    /// The `outputs` of the automatic `complete` call for `model`.
    ///
    /// # Panics
    /// When `outputs` is not a JSON object, or too many models are scripted.
    pub fn auto_outputs(&self, model: &str, outputs: Value) {
        let Value::Object(outputs) = outputs else {
            panic!("llm-fake auto outputs for {model} must be a JSON object");
        };
        if let Err(error) = self.state.set_auto(model, Some(outputs), None) {
            panic!("llm-fake auto outputs for {model}: {error}");
        }
    }

    /// The value of an automatic structured (`json_schema`) answer for `model`.
    ///
    /// # Panics
    /// When too many models are scripted.
    pub fn auto_json(&self, model: &str, value: Value) {
        if let Err(error) = self.state.set_auto(model, None, Some(value)) {
            panic!("llm-fake auto json for {model}: {error}");
        }
    }

    /// The requests recorded for `model`, oldest first.
    pub fn requests(&self, model: &str) -> Vec<Recorded> {
        self.state.requests(model)
    }

    /// Stops accepting, lets answers in flight end (at most 5 s), then stops.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for LlmFake {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
