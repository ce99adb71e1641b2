//! A runtime's stdout and stderr: each line goes to the run's log stream (`keys.run_logs`,
//! capped with `XADD MAXLEN ~`) and to a bounded ring in memory for [`super::ContainerBackend::logs`].
//!
//! The stream lives outside the run's own key namespace, so the runtime's Redis user cannot
//! write forged lines into it; only the engine reads the pipes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use tokio::io::AsyncRead;
use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, FramedRead};

use super::{LogLine, now_ms};

/// Where a runtime's lines go.
#[derive(Clone)]
pub struct LogSink {
    pub redis: ConnectionManager,
    /// `keys.run_logs(tenant, run)`.
    pub stream: String,
    pub maxlen: usize,
    pub ring: Arc<Mutex<VecDeque<LogLine>>>,
    pub ring_len: usize,
    pub line_bytes: usize,
    /// The step attempt the runtime serves, written on every line so
    /// `GET /v1/steps/{run}/{step}/logs` can pick its own out of the run's stream.
    pub step: Option<(String, i32)>,
}

impl LogSink {
    /// The last `tail` lines held in memory.
    pub fn tail(ring: &Mutex<VecDeque<LogLine>>, tail: usize) -> Vec<LogLine> {
        let ring = ring
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        ring.iter()
            .skip(ring.len().saturating_sub(tail))
            .cloned()
            .collect()
    }

    async fn push(&mut self, line: LogLine) {
        let mut xadd = redis::cmd("XADD");
        xadd.arg(&self.stream)
            .arg("MAXLEN")
            .arg("~")
            .arg(self.maxlen)
            .arg("*")
            .arg("line")
            .arg(&line.line)
            .arg("stream")
            .arg(line.stream)
            .arg("ts")
            .arg(line.ts);
        if let Some((step, attempt)) = &self.step {
            xadd.arg("stepId").arg(step).arg("attempt").arg(*attempt);
        }
        let written = xadd.query_async::<String>(&mut self.redis).await;
        if let Err(err) = written {
            // The ring still has the line; a Redis outage must not block the child's pipe.
            tracing::warn!(stream = %self.stream, error = %err, "a runtime log line was not stored");
        }
        let mut ring = self
            .ring
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if ring.len() == self.ring_len {
            ring.pop_front();
        }
        ring.push_back(line);
    }

    /// Reads `pipe` line by line until it closes (the child exited or closed it).
    pub async fn pump(mut self, pipe: impl AsyncRead + Unpin, stream: &'static str) {
        // Bytes, not `LinesCodec`: a runtime printing invalid UTF-8 must not end its logs.
        let codec =
            AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), self.line_bytes);
        let mut lines = FramedRead::new(pipe, codec);
        while let Some(next) = lines.next().await {
            let line = match next {
                Ok(bytes) => String::from_utf8_lossy(bytes.strip_suffix(b"\r").unwrap_or(&bytes))
                    .into_owned(),
                // The codec drops the rest of an over-long line up to its newline.
                Err(AnyDelimiterCodecError::MaxChunkLengthExceeded) => {
                    format!("[line longer than {} bytes cut]", self.line_bytes)
                }
                Err(AnyDelimiterCodecError::Io(err)) => {
                    tracing::debug!(error = %err, "runtime pipe closed");
                    break;
                }
            };
            self.push(LogLine {
                line,
                stream,
                ts: now_ms(),
            })
            .await;
        }
    }
}
