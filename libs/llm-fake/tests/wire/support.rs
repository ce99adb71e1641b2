//! The client side of the tests: a reqwest client, unique model names, and a small SSE parser
//! that reads the bytes as they arrive, so what the tests check is what travels on the wire.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub fn client() -> reqwest::Client {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .build()
        .expect("a reqwest client")
}

/// A model name no other test uses: the fake's unit of isolation.
pub fn model() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("fake-{nanos}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// One server-sent event, with the moment it was parsed.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: Option<String>,
    pub data: String,
    pub at: Instant,
}

impl Event {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {}", self.data))
    }
}

/// A whole stream as the client saw it.
#[derive(Debug)]
pub struct Stream {
    pub status: u16,
    pub content_type: String,
    pub started: Instant,
    pub events: Vec<Event>,
    /// The body ended cleanly (not cut).
    pub complete: bool,
    /// Bytes after the last blank line (an event cut in half).
    pub leftover: String,
}

impl Stream {
    pub fn names(&self) -> Vec<&str> {
        self.events
            .iter()
            .map(|e| e.name.as_deref().unwrap_or(""))
            .collect()
    }
}

/// Reads the response body chunk by chunk, splitting events on blank lines (per the SSE
/// rules: `event:`/`data:` fields, several `data:` lines joined with newlines).
pub async fn read_sse(started: Instant, response: reqwest::Response) -> Stream {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut response = response;
    let mut buffer = String::new();
    let mut events = Vec::new();
    let complete = loop {
        match response.chunk().await {
            Ok(Some(bytes)) => {
                buffer.push_str(std::str::from_utf8(&bytes).expect("the stream is UTF-8"));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    events.push(parse_block(&block));
                }
            }
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    Stream {
        status,
        content_type,
        started,
        events,
        complete,
        leftover: buffer,
    }
}

fn parse_block(block: &str) -> Event {
    let mut name = None;
    let mut data: Vec<&str> = Vec::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = Some(value.trim_start().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    Event {
        name,
        data: data.join("\n"),
        at: Instant::now(),
    }
}

/// `POST {base}{path}` with the given headers and JSON body; answers the send time too.
pub async fn post(
    base: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> (Instant, reqwest::Response) {
    let mut request = client().post(format!("{base}{path}")).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let started = Instant::now();
    (started, request.send().await.expect("the fake answers"))
}

pub const OPENAI_KEY: &[(&str, &str)] = &[("authorization", "Bearer sk-test-openai")];
pub const ANTHROPIC_KEY: &[(&str, &str)] = &[
    ("x-api-key", "sk-ant-test"),
    ("anthropic-version", "2023-06-01"),
];
