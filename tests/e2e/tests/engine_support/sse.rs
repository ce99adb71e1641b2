//! A Server-Sent-Events client for the end-to-end tests: opens a stream through HAProxy the way
//! EventSource does (`?token=`, `Last-Event-ID`) and reads its frames.

use std::time::Duration;

use serde_json::Value;

/// One SSE frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

impl Frame {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or(Value::Null)
    }
}

pub struct Sse {
    pub status: u16,
    pub res: reqwest::Response,
    buf: String,
}

/// Opens `path` through HAProxy with `?token=` (as EventSource does) and an optional
/// `Last-Event-ID`.
pub async fn open(stack: &e2e::Stack, path: &str, token: &str, last: Option<&str>) -> Sse {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut req = stack
        .http
        .get(format!("{}{path}{sep}token={token}", stack.base));
    if let Some(id) = last {
        req = req.header("last-event-id", id);
    }
    let res = req.send().await.expect("send");
    Sse {
        status: res.status().as_u16(),
        res,
        buf: String::new(),
    }
}

impl Sse {
    /// The next data frame (comments and heartbeats skipped), `None` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(at) = self.buf.find("\n\n") {
                let raw: String = self.buf.drain(..at + 2).collect();
                let mut frame = Frame {
                    id: None,
                    event: None,
                    data: String::new(),
                };
                for line in raw.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        frame.id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        frame.event = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        frame.data.push_str(v);
                    }
                }
                if !frame.data.is_empty() && frame.event.as_deref() != Some("heartbeat") {
                    return Some(frame);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk())
                .await
                .ok()?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk.ok()??));
        }
    }

    /// Frames until one whose type is `last` (included).
    pub async fn until(&mut self, last: &str) -> Vec<Frame> {
        let mut frames = Vec::new();
        loop {
            let frame = self.next(Duration::from_secs(60)).await;
            let frame = frame.unwrap_or_else(|| panic!("no {last} after {frames:?}"));
            let done = frame.json()["type"] == last;
            frames.push(frame);
            if done {
                return frames;
            }
        }
    }
}
