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
