//! Consumer-group workers (spec §3.8.3A).
//!
//! Every replica of a service runs a [`Worker`] in the same group, so each stream entry is
//! handled by one replica. Delivery is at least once:
//!
//! - an entry is acknowledged only after its handler succeeded;
//! - a failed entry stays pending and comes back once it has been idle for `reclaim_idle`
//!   (`XAUTOCLAIM`), to this worker or to another one — which is also how the entries of a
//!   replica that died before acknowledging are taken over;
//! - the handler runs at most `max_deliveries` times per entry: the last failure moves the entry
//!   to a dead-letter stream with the error, and an entry delivered more often than that (its
//!   earlier handlers hung or their process died) goes there without running again, so one
//!   poisonous event cannot circle forever;
//! - a handler slower than `reclaim_idle` can be reclaimed while it still runs.
//!
//! Handlers must therefore be idempotent (run locks, conditional updates).
//!
//! The worker opens its own connection: a blocking `XREADGROUP` holds the connection it is sent
//! on, so sharing a multiplexed connection would stall every other command queued behind it (and
//! trip the default 500 ms response timeout).

mod entry;
mod reclaim;

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{StreamReadOptions, StreamReadReply};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub use self::entry::StreamEntry;
use crate::{BusError, Keys};

const DEFAULT_BATCH: usize = 16;
const DEFAULT_BLOCK: Duration = Duration::from_secs(5);
const DEFAULT_RECLAIM_IDLE: Duration = Duration::from_secs(60);
const DEFAULT_MAX_DELIVERIES: u32 = 5;
/// Extra time Redis gets to answer a blocking read before the client gives up on it.
const RESPONSE_MARGIN: Duration = Duration::from_secs(5);
const MIN_RECLAIM_INTERVAL: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// `{service}-{hostname}-{pid}`: unique per process and readable in `XINFO CONSUMERS`.
///
/// Two workers of one process on the same group need distinct ids; this one is per process.
pub fn default_consumer_id(service: &str) -> String {
    format!("{service}-{}-{}", hostname(), std::process::id())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A consumer of one stream in one consumer group. Configure with the builder methods, then
/// [`Worker::run`].
#[derive(Debug, Clone)]
pub struct Worker {
    client: redis::Client,
    stream: String,
    group: String,
    consumer: String,
    dead_letter: String,
    batch_size: usize,
    block: Duration,
    reclaim_idle: Duration,
    reclaim_interval: Option<Duration>,
    max_deliveries: u32,
}

/// An entry read for this worker together with how often the group has delivered it.
#[derive(Debug)]
struct Delivery {
    entry: StreamEntry,
    deliveries: u64,
}

impl Worker {
    /// A worker on `stream` in `group`, with consumer id `worker-{hostname}-{pid}` and the
    /// dead-letter stream `keys.dead_letter(stream)`.
    pub fn new(
        client: redis::Client,
        keys: &Keys,
        stream: impl Into<String>,
        group: impl Into<String>,
    ) -> Self {
        let stream = stream.into();
        Self {
            client,
            dead_letter: keys.dead_letter(&stream),
            stream,
            group: group.into(),
            consumer: default_consumer_id("worker"),
            batch_size: DEFAULT_BATCH,
            block: DEFAULT_BLOCK,
            reclaim_idle: DEFAULT_RECLAIM_IDLE,
            reclaim_interval: None,
            max_deliveries: DEFAULT_MAX_DELIVERIES,
        }
    }

    pub fn consumer(mut self, id: impl Into<String>) -> Self {
        self.consumer = id.into();
        self
    }

    /// Sets the consumer id to [`default_consumer_id`] of `service`.
    pub fn consumer_for_service(self, service: &str) -> Self {
        self.consumer(default_consumer_id(service))
    }

    pub fn batch_size(mut self, entries: usize) -> Self {
        self.batch_size = entries.max(1);
        self
    }

    /// Longest time one `XREADGROUP` waits for new entries.
    pub fn block(mut self, timeout: Duration) -> Self {
        self.block = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long an entry stays pending before any worker of the group may take it over.
    pub fn reclaim_idle(mut self, idle: Duration) -> Self {
        self.reclaim_idle = idle;
        self
    }

    /// How often this worker looks for entries to take over; half of `reclaim_idle` by default.
    pub fn reclaim_interval(mut self, every: Duration) -> Self {
        self.reclaim_interval = Some(every);
        self
    }

    pub fn max_deliveries(mut self, deliveries: u32) -> Self {
        self.max_deliveries = deliveries.max(1);
        self
    }

    pub fn dead_letter(mut self, stream: impl Into<String>) -> Self {
        self.dead_letter = stream.into();
        self
    }

    pub fn consumer_id(&self) -> &str {
        &self.consumer
    }

    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Consumes the stream until `shutdown` is cancelled.
    ///
    /// Fails only when the first connection or the group cannot be set up; afterwards Redis
    /// errors are logged and retried with backoff. On shutdown the entry in hand is finished and
    /// acknowledged; entries read but not started stay pending and are reclaimed by the group.
    pub async fn run<F, Fut, E>(
        self,
        mut handler: F,
        shutdown: CancellationToken,
    ) -> Result<(), BusError>
    where
        F: FnMut(StreamEntry) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        let span = tracing::info_span!(
            "worker",
            stream = %self.stream,
            group = %self.group,
            consumer = %self.consumer
        );
        async move {
            let mut conn = self.connect().await?;
            self.ensure_group(&mut conn).await?;
            tracing::info!("worker started");

            let reclaim_every = self
                .reclaim_interval
                .unwrap_or(self.reclaim_idle / 2)
                .max(MIN_RECLAIM_INTERVAL);
            // Reclaim at once: a replica that died before us may have left entries pending.
            let mut next_reclaim = Instant::now();
            let mut reclaim_cursor = reclaim::START.to_owned();
            let mut backoff = Backoff::default();

            while !shutdown.is_cancelled() {
                let now = Instant::now();
                let batch = if now >= next_reclaim {
                    let claimed = self.reclaim(&mut conn, &reclaim_cursor).await;
                    match &claimed {
                        Ok((cursor, _)) => {
                            // An unfinished scan continues right after this batch.
                            next_reclaim = if cursor == reclaim::START {
                                now + reclaim_every
                            } else {
                                now
                            };
                            reclaim_cursor.clone_from(cursor);
                        }
                        Err(_) => reclaim::START.clone_into(&mut reclaim_cursor),
                    }
                    claimed.map(|(_, batch)| batch)
                } else {
                    let wait = (next_reclaim - now).min(self.block);
                    tokio::select! {
                        biased;
                        () = shutdown.cancelled() => break,
                        read = self.read_new(&mut conn, wait) => read,
                    }
                };
                let batch = match batch {
                    Ok(batch) => {
                        backoff.reset();
                        batch
                    }
                    Err(err) => {
                        self.recover(&mut conn, err, &mut backoff, &shutdown).await;
                        continue;
                    }
                };
                for delivery in batch {
                    if shutdown.is_cancelled() {
                        break;
                    }
                    self.process(&mut conn, &mut handler, delivery).await;
                }
            }
            self.leave(&mut conn).await;
            tracing::info!("worker stopped");
            Ok(())
        }
        .instrument(span)
        .await
    }

    async fn connect(&self) -> Result<ConnectionManager, BusError> {
        let config =
            ConnectionManagerConfig::new().set_response_timeout(Some(self.block + RESPONSE_MARGIN));
        Ok(ConnectionManager::new_with_config(self.client.clone(), config).await?)
    }

    /// Creates the group (and the stream) unless it exists. The group starts at the beginning of
    /// the stream: after the stream was deleted under us, everything in the new one is unseen;
    /// on first start, events published before any worker ran are not lost; after a destroyed
    /// group, the retained stream is handled again — a replay idempotent handlers absorb, where
    /// starting at `$` would silently drop what arrived while the group was missing. The stream
    /// is bounded by `MAXLEN`, so any replay is too.
    async fn ensure_group(&self, conn: &mut ConnectionManager) -> Result<(), BusError> {
        let created: redis::RedisResult<()> = conn
            .xgroup_create_mkstream(&self.stream, &self.group, "0")
            .await;
        match created {
            Ok(()) => {
                tracing::info!("consumer group created");
                Ok(())
            }
            Err(err) if err.code() == Some("BUSYGROUP") => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    async fn read_new(
        &self,
        conn: &mut ConnectionManager,
        wait: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        // BLOCK 0 would wait forever.
        let block_ms = usize::try_from(wait.as_millis())
            .unwrap_or(usize::MAX)
            .max(1);
        let options = StreamReadOptions::default()
            .group(&self.group, &self.consumer)
            .count(self.batch_size)
            .block(block_ms);
        let reply: Option<StreamReadReply> = conn
            .xread_options(&[&self.stream], &[">"], &options)
            .await?;
        Ok(reply
            .into_iter()
            .flat_map(|reply| reply.keys)
            .flat_map(|key| key.ids)
            .map(|raw| Delivery {
                entry: StreamEntry::from_redis(raw),
                deliveries: 1,
            })
            .collect())
    }

    async fn process<F, Fut, E>(
        &self,
        conn: &mut ConnectionManager,
        handler: &mut F,
        delivery: Delivery,
    ) where
        F: FnMut(StreamEntry) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        let Delivery { entry, deliveries } = delivery;
        let span = tracing::info_span!("entry", id = %entry.id, deliveries);
        async {
            if deliveries > u64::from(self.max_deliveries) {
                // Earlier attempts never reported back (the handler hung or its process died).
                self.bury(conn, &entry, deliveries, None).await;
                return;
            }
            match handler(entry.clone()).await {
                Ok(()) => {
                    let acked: redis::RedisResult<usize> =
                        conn.xack(&self.stream, &self.group, &[&entry.id]).await;
                    if let Err(err) = acked {
                        tracing::warn!(error = %err, "XACK failed; the entry will be redelivered");
                    }
                }
                Err(err) if deliveries >= u64::from(self.max_deliveries) => {
                    self.bury(conn, &entry, deliveries, Some(err.to_string()))
                        .await;
                }
                Err(err) => tracing::warn!(
                    error = %err,
                    retry_after = ?self.reclaim_idle,
                    "handler failed; the entry stays pending"
                ),
            }
        }
        .instrument(span)
        .await;
    }

    async fn recover(
        &self,
        conn: &mut ConnectionManager,
        err: BusError,
        backoff: &mut Backoff,
        shutdown: &CancellationToken,
    ) {
        // NOGROUP: the stream or group is gone. UNBLOCKED: Redis 7 wakes a blocked XREADGROUP
        // with it when the stream is deleted, so the group can be recreated without waiting.
        if matches!(err.redis_code(), Some("NOGROUP" | "UNBLOCKED")) {
            tracing::warn!(error = %err, "stream or consumer group vanished; recreating it");
            match self.ensure_group(conn).await {
                Ok(()) => return,
                Err(err) => tracing::error!(error = %err, "recreating the consumer group failed"),
            }
        } else {
            tracing::error!(error = %err, "reading the stream failed");
        }
        let pause = backoff.next_pause();
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Doubling pauses between failed attempts, so a Redis outage is not hammered.
#[derive(Debug, Default)]
struct Backoff {
    last: Option<Duration>,
}

impl Backoff {
    fn next_pause(&mut self) -> Duration {
        let pause = self.last.map_or(Duration::from_millis(100), |last| {
            (last * 2).min(MAX_BACKOFF)
        });
        self.last = Some(pause);
        pause
    }

    fn reset(&mut self) {
        self.last = None;
    }
}
