//! Everything the runtime says goes through one [`Emitter`] into one writer task that XADDs it to
//! the runtime stream in order, so a request's messages can never overtake each other.

use std::time::{SystemTime, UNIX_EPOCH};

use shared_schemas::ids::RunId;
use shared_schemas::runtime::{
    OutputSource, RUNTIME_STREAM_FIELD, RUNTIME_STREAM_MAXLEN, RuntimeMessage, RuntimeOutput,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// A handle to the writer; cheap to clone into request tasks.
#[derive(Debug, Clone)]
pub struct Emitter {
    tx: mpsc::UnboundedSender<RuntimeMessage>,
    pub run: RunId,
}

impl Emitter {
    /// Queues `message`; the writer reports a Redis failure, so a closed queue is not one here.
    pub fn send(&self, message: RuntimeMessage) {
        let _ = self.tx.send(message);
    }

    pub fn output(&self, request_id: &str, data: &str, source: OutputSource, stderr: bool) {
        let out = RuntimeOutput {
            request_id: Some(request_id.to_owned()),
            data: data.to_owned(),
            source: Some(source),
            timestamp: now_ms(),
        };
        self.send(if stderr {
            RuntimeMessage::Stderr(out)
        } else {
            RuntimeMessage::Stdout(out)
        });
    }
}

/// Starts the writer; it ends `Ok` once every [`Emitter`] is dropped and the queue is written,
/// or `Err` at the first failed XADD (the runtime then exits non-zero).
pub fn spawn_writer(
    mut conn: redis::aio::MultiplexedConnection,
    stream: String,
    run: RunId,
) -> (Emitter, JoinHandle<anyhow::Result<()>>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<RuntimeMessage>();
    let writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            redis::cmd("XADD")
                .arg(&stream)
                .arg("MAXLEN")
                .arg("~")
                .arg(RUNTIME_STREAM_MAXLEN)
                .arg("*")
                .arg(RUNTIME_STREAM_FIELD)
                .arg(serde_json::to_string(&message)?)
                .query_async::<String>(&mut conn)
                .await?;
        }
        Ok(())
    });
    (Emitter { tx, run }, writer)
}
