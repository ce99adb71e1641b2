//! A service the client calls: answers from a script, and remembers what it was sent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::IntoResponse;

#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Answers 200 only after this long.
    Stall(Duration),
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub headers: HeaderMap,
}

#[derive(Clone)]
pub struct Target {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl Target {
    /// Answers `script` in order, then 200 `{"ok": true}` to everything.
    pub async fn spawn(script: Vec<Answer>) -> Self {
        let target = Self {
            base: String::new(),
            seen: Arc::default(),
            script: Arc::new(Mutex::new(script.into())),
        };
        let state = target.clone();
        let app = Router::new().fallback(move |method: Method, headers: HeaderMap| {
            let state = state.clone();
            async move { state.answer(method, headers).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, ..target }
    }

    async fn answer(&self, method: Method, headers: HeaderMap) -> axum::response::Response {
        self.seen
            .lock()
            .expect("lock")
            .push(Seen { method, headers });
        let next = self.script.lock().expect("lock").pop_front();
        match next {
            Some(Answer::Status(code)) => {
                let status = StatusCode::from_u16(code).expect("status");
                (status, axum::Json(serde_json::json!({"code": code}))).into_response()
            }
            Some(Answer::Stall(pause)) => {
                tokio::time::sleep(pause).await;
                axum::Json(serde_json::json!({"ok": true})).into_response()
            }
            None => axum::Json(serde_json::json!({"ok": true})).into_response(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().expect("lock").len()
    }
}
