//! A small HTTP client bound to one test server.
//!
//! Two kinds of calls, kept apart on purpose:
//! - **set-up** calls (`setup`, `setup_expect`) build the state a test needs and panic with the
//!   method, path, status and body unless they succeed, so a set-up that failed can never make a
//!   later check (a cross-tenant 404, an empty list) pass for the wrong reason;
//! - **checked** calls (`call`, `bearer(token).get(..)`, `send`) return the status and JSON body
//!   for the test to assert on.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct TestClient {
    base: String,
    http: reqwest::Client,
}

impl TestClient {
    pub fn new(base: String) -> Self {
        Self {
            base,
            http: reqwest::Client::new(),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    /// POST a JSON body with a bearer token.
    pub fn post_json(&self, path: &str, token: &str, body: &impl Serialize) -> RequestBuilder {
        self.post(path).bearer_auth(token).json(body)
    }
}

/// Status and JSON body of a response, for one-line assertions.
pub async fn json(res: Response) -> (u16, Value) {
    let (status, body) = typed_json(res).await;
    (status.as_u16(), body)
}

async fn typed_json(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

impl TestClient {
    /// One call with a bearer token and an optional JSON body: status and JSON answer.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = Method::from_bytes(method.as_bytes())
            .unwrap_or_else(|e| panic!("method {method}: {e}"));
        let (status, body) = self.call(method, path, Some(token), body).await;
        (status.as_u16(), body)
    }

    /// One call, with a bearer token when given and a JSON body when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: impl Into<Option<Value>>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(method.clone(), path);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body.into() {
            req = req.json(&body);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        typed_json(res).await
    }

    /// A set-up call: the JSON answer, or a panic naming the call unless it answered 2xx.
    /// `body` is a `Value` or `None`.
    pub async fn setup(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: impl Into<Option<Value>>,
    ) -> Value {
        let (status, answer) = self.call(method.clone(), path, Some(token), body).await;
        assert!(
            status.is_success(),
            "set-up call {method} {path} failed: {status} {answer}"
        );
        answer
    }

    /// A set-up call that must answer exactly `want` (a 201, a 204, or a refusal the test builds on).
    pub async fn setup_expect(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: impl Into<Option<Value>>,
        want: StatusCode,
    ) -> Value {
        let (status, answer) = self.call(method.clone(), path, Some(token), body).await;
        assert_eq!(
            status, want,
            "set-up call {method} {path} answered {status}, expected {want}: {answer}"
        );
        answer
    }

    /// Calls as the holder of `token`: `client.bearer(&t).get("/v1/agents").await`.
    pub fn bearer<'a>(&'a self, token: &'a str) -> Caller<'a> {
        Caller {
            client: self,
            token: Some(token),
        }
    }

    /// Calls without credentials.
    pub fn anonymous(&self) -> Caller<'_> {
        Caller {
            client: self,
            token: None,
        }
    }
}

/// A client speaking as one caller; every method answers `(StatusCode, Value)`.
#[derive(Clone, Copy, Debug)]
pub struct Caller<'a> {
    client: &'a TestClient,
    token: Option<&'a str>,
}

impl Caller<'_> {
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.client.call(Method::GET, path, self.token, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.client.call(Method::POST, path, self.token, body).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.client.call(Method::PUT, path, self.token, body).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.client
            .call(Method::PATCH, path, self.token, body)
            .await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.client
            .call(Method::DELETE, path, self.token, None)
            .await
    }

    /// [`TestClient::setup`] as this caller (anonymous set-up calls send no token).
    pub async fn setup(&self, method: Method, path: &str, body: impl Into<Option<Value>>) -> Value {
        let (status, answer) = self
            .client
            .call(method.clone(), path, self.token, body)
            .await;
        assert!(
            status.is_success(),
            "set-up call {method} {path} failed: {status} {answer}"
        );
        answer
    }
}

/// Asserts our error body: `{"detail": "...", "code": "<code>"}` with the status.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert!(body["detail"].is_string(), "{body}");
}

/// `id` of a set-up answer (`{"id": "prj_…", …}`), or a panic showing the answer.
pub fn id_of(answer: &Value) -> String {
    answer["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no string `id` in {answer}"))
        .to_owned()
}
