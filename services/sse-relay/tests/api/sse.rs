//! A small SSE client for the tests: opens a stream, parses frames as EventSource does.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
    /// A comment-only frame (`: ping`).
    pub comment: bool,
}

impl Frame {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("frame data {:?}: {e}", self.data))
    }
}

pub struct Sse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    res: reqwest::Response,
    buf: String,
    pub ended: bool,
}

/// Opens `url` with a bearer `token` (no `Last-Event-ID`).
pub async fn open(url: &str, token: &str) -> Sse {
    open_with(url, Some(token), None).await
}

pub async fn open_with(url: &str, token: Option<&str>, last_event_id: Option<&str>) -> Sse {
    let mut req = reqwest::Client::new().get(url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let res = req.send().await.expect("request");
    Sse {
        status: res.status(),
        headers: res.headers().clone(),
        res,
        buf: String::new(),
        ended: false,
    }
}

impl Sse {
    /// The body of a refused stream (JSON error), read whole.
    pub async fn error_body(self) -> Value {
        let text = self.res.text().await.expect("body");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("error body {text:?}: {e}"))
    }

    /// The next frame (comments included), `None` when the stream ended or `wait` passed.
    pub async fn next_any(&mut self, wait: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(at) = self.buf.find("\n\n") {
                let raw: String = self.buf.drain(..at + 2).collect();
                return Some(parse(&raw));
            }
            if self.ended {
                return None;
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk())
                .await
                .ok()?;
            match chunk {
                Ok(Some(bytes)) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(None) | Err(_) => self.ended = true,
            }
        }
    }

    /// The next frame that is not a comment or a heartbeat.
    pub async fn next(&mut self, wait: Duration) -> Option<Frame> {
        loop {
            let frame = self.next_any(wait).await?;
            if !frame.comment && frame.event.as_deref() != Some("heartbeat") {
                return Some(frame);
            }
        }
    }

    /// The next `n` frames (comments and heartbeats skipped); panics if they do not come.
    pub async fn take(&mut self, n: usize) -> Vec<Frame> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let frame = self.next(Duration::from_secs(10)).await;
            out.push(
                frame.unwrap_or_else(|| panic!("only {} of {n} frames came: {out:?}", out.len())),
            );
        }
        out
    }

    /// Whether the server ends the stream within `wait`; returns the frames before the end.
    pub async fn ends_within(&mut self, wait: Duration) -> Option<Vec<Frame>> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_any(left).await {
                Some(frame) => seen.push(frame),
                None if self.ended => return Some(seen),
                None => return None,
            }
        }
    }
}

fn parse(raw: &str) -> Frame {
    let mut frame = Frame::default();
    let mut data: Vec<&str> = Vec::new();
    let mut only_comments = true;
    for line in raw.lines() {
        if line.is_empty() {
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        only_comments = false;
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => frame.id = Some(value.to_owned()),
            "event" => frame.event = Some(value.to_owned()),
            "data" => data.push(value),
            _ => {}
        }
    }
    frame.data = data.join("\n");
    frame.comment = only_comments;
    frame
}
