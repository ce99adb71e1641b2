//! A small HTTP client bound to one test server.

use reqwest::{Method, RequestBuilder, Response};
use serde::Serialize;
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct TestClient {
    base: String,
    http: reqwest::Client,
}

impl TestClient {
    pub fn new(base: String) -> Self {
        crate::tls::install_provider();
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
    let status = res.status().as_u16();
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
        let mut req = self.request(method, path).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("send {path}: {e}"));
        json(res).await
    }
}

/// Asserts our error body: `{"detail": "...", "code": "<code>"}` with the status.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert!(body["detail"].is_string(), "{body}");
}
