//! The engine's side of the runtime protocol (`shared_schemas::runtime`, ARCHITECTURE §6).
//!
//! Commands go out by PUBLISH on `keys.run_commands(t, r)`, only after the runtime reported
//! `ready`; everything comes back on the runtime's stream `keys.run_runtime(t, r)`, read with
//! XREAD from the last id seen. That id is kept in the registry entry (`lastStreamId`), so a
//! replica that takes the run over opens the session where the previous reader stopped.
//! A command with a request id is acknowledged by `busy{requestId}`; without one within the ack
//! timeout it is published once more (the runtime ignores a request id it already accepted).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{StreamReadOptions, StreamReadReply};
use shared_schemas::ids::{RunId, TenantId};
use shared_schemas::runtime::{RUNTIME_STREAM_FIELD, RuntimeCommand, RuntimeMessage, RuntimeReady};
use tokio::time::Instant;

use super::{RuntimeStatus, Runtimes};

/// Longest single XREAD block: between blocks the session checks the runtime is still alive.
const BLOCK: Duration = Duration::from_secs(1);
const RESPONSE_MARGIN: Duration = Duration::from_secs(5);
const BATCH: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the runtime said nothing within {0:?}")]
    Timeout(Duration),
    #[error("the runtime did not acknowledge request {0} (sent twice)")]
    NotAcknowledged(String),
    #[error("the runtime ended ({0:?})")]
    Ended(RuntimeStatus),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

pub struct RuntimeSession {
    runtimes: Arc<Runtimes>,
    reader: ConnectionManager,
    publisher: ConnectionManager,
    run: RunId,
    stream: String,
    commands: String,
    last_id: String,
    pending: VecDeque<RuntimeMessage>,
    /// The last request whose `idle` [`Self::next_for`] returned.
    finished: Option<String>,
}

impl RuntimeSession {
    /// Opens the session on `run`'s runtime stream from the last id its registry entry records
    /// (the beginning when none).
    pub async fn open(
        runtimes: &Arc<Runtimes>,
        tenant: &TenantId,
        run: &RunId,
    ) -> Result<Self, SessionError> {
        let from = runtimes
            .registry()
            .get(run)
            .await?
            .and_then(|e| e.last_stream_id)
            .unwrap_or_else(|| "0".to_owned());
        let config =
            ConnectionManagerConfig::new().set_response_timeout(Some(BLOCK + RESPONSE_MARGIN));
        let reader = ConnectionManager::new_with_config(runtimes.client.clone(), config).await?;
        Ok(Self {
            runtimes: Arc::clone(runtimes),
            reader,
            publisher: runtimes.redis.clone(),
            run: run.clone(),
            stream: runtimes.keys.run_runtime(tenant, run),
            commands: runtimes.keys.run_commands(tenant, run),
            last_id: from,
            pending: VecDeque::new(),
            finished: None,
        })
    }

    /// The id of the last stream entry read.
    pub fn last_id(&self) -> &str {
        &self.last_id
    }

    /// Waits for `ready` (at most the configured ready timeout). Anything before it is dropped.
    pub async fn wait_ready(&mut self) -> Result<RuntimeReady, SessionError> {
        let wait = self.runtimes.config.ready_timeout();
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left).await? {
                Some(RuntimeMessage::Ready(ready)) => return Ok(ready),
                Some(_) => {}
                None => return Err(SessionError::Timeout(wait)),
            }
        }
    }

    /// Publishes `command`. One with a request id waits for its `busy` and is published once
    /// more when none came within the ack timeout; messages read meanwhile stay queued for
    /// [`Self::next`].
    pub async fn send(&mut self, command: &RuntimeCommand) -> Result<(), SessionError> {
        let payload = serde_json::to_string(command)?;
        let Some(request) = command.request_id().map(str::to_owned) else {
            self.publish(&payload).await?;
            return Ok(());
        };
        for _ in 0..2 {
            self.publish(&payload).await?;
            if self.await_busy(&request).await? {
                return Ok(());
            }
            tracing::warn!(run = %self.run, request, "no busy from the runtime; sending again");
        }
        Err(SessionError::NotAcknowledged(request))
    }

    /// Publishes `command` without waiting for an acknowledgement (an `abort` of a request in
    /// flight: its answer is the request's own `stepEnd` and `idle`).
    pub async fn send_now(&mut self, command: &RuntimeCommand) -> Result<(), SessionError> {
        let payload = serde_json::to_string(command)?;
        self.publish(&payload).await
    }

    async fn publish(&mut self, payload: &str) -> Result<(), SessionError> {
        redis::cmd("PUBLISH")
            .arg(&self.commands)
            .arg(payload)
            .query_async::<i64>(&mut self.publisher)
            .await?;
        Ok(())
    }

    /// Reads until `busy{request}` (kept in the queue) or the ack timeout; other messages are
    /// queued in order.
    async fn await_busy(&mut self, request: &str) -> Result<bool, SessionError> {
        let is_busy =
            |m: &RuntimeMessage| matches!(m, RuntimeMessage::Busy(b) if b.request_id == request);
        if self.pending.iter().any(is_busy) {
            return Ok(true);
        }
        let deadline = Instant::now() + self.runtimes.config.ack_timeout();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(false);
            }
            let batch = self.read(left.min(BLOCK)).await?;
            let found = batch.iter().any(is_busy);
            self.pending.extend(batch);
            if found {
                return Ok(true);
            }
        }
    }

    /// The next message of `request` (the others are skipped), up to and including its `idle`;
    /// `None` once that idle was returned. [`SessionError::Timeout`] when `wait` passed with
    /// nothing of the request.
    pub async fn next_for(
        &mut self,
        request: &str,
        wait: Duration,
    ) -> Result<Option<RuntimeMessage>, SessionError> {
        if self.finished.as_deref() == Some(request) {
            return Ok(None);
        }
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(message) = self.next(left).await? else {
                return Err(SessionError::Timeout(wait));
            };
            // A file change carries no request id: it belongs to the one in flight.
            let belongs = match message.request_id() {
                Some(id) => id == request,
                None => matches!(
                    message,
                    RuntimeMessage::FileChange(_) | RuntimeMessage::Exiting(_)
                ),
            };
            if belongs {
                if matches!(message, RuntimeMessage::Idle(_)) {
                    self.finished = Some(request.to_owned());
                }
                return Ok(Some(message));
            }
        }
    }

    /// The next message, queued or from the stream, waiting at most `wait`; `None` when nothing
    /// came. A runtime of this instance that ended makes it [`SessionError::Ended`].
    pub async fn next(&mut self, wait: Duration) -> Result<Option<RuntimeMessage>, SessionError> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(message) = self.pending.pop_front() {
                return Ok(Some(message));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let batch = self.read(left.min(BLOCK)).await?;
            if batch.is_empty()
                && let Some(status) = self.runtimes.status(&self.run).await.ok().flatten()
                && !status.is_running()
            {
                // Its last words were written before it exited: read them first.
                let rest = self.read(Duration::from_millis(1)).await?;
                if rest.is_empty() {
                    return Err(SessionError::Ended(status));
                }
                self.pending.extend(rest);
            }
            self.pending.extend(batch);
        }
    }

    /// One XREAD from the last id; records how far it got in the registry.
    async fn read(&mut self, block: Duration) -> Result<Vec<RuntimeMessage>, SessionError> {
        let block_ms = usize::try_from(block.as_millis())
            .unwrap_or(usize::MAX)
            .max(1);
        let options = StreamReadOptions::default().count(BATCH).block(block_ms);
        let reply: Option<StreamReadReply> = redis::AsyncCommands::xread_options(
            &mut self.reader,
            &[&self.stream],
            &[&self.last_id],
            &options,
        )
        .await?;
        let mut messages = Vec::new();
        let mut advanced = false;
        for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
            self.last_id.clone_from(&entry.id);
            advanced = true;
            let Some(data) = entry.get::<String>(RUNTIME_STREAM_FIELD) else {
                continue;
            };
            match serde_json::from_str::<RuntimeMessage>(&data) {
                Ok(message) => messages.push(message),
                // A newer runtime's message type: skipped, not fatal.
                Err(err) => {
                    tracing::debug!(run = %self.run, error = %err, "unreadable runtime message")
                }
            }
        }
        if advanced {
            let instance = self.runtimes.instance_id().to_owned();
            self.runtimes
                .registry()
                .set_last_stream_id(&self.run, &instance, &self.last_id)
                .await?;
        }
        Ok(messages)
    }
}
