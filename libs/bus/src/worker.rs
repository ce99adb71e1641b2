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
//! - a handler slower than `reclaim_idle` can be reclaimed while it still runs, by another
//!   worker (this one never starts an entry it already has in hand a second time);
//! - handlers run one at a time by default; [`Worker::concurrency`] lets several run at once.
//!
//! Handlers must therefore be idempotent (run locks, conditional updates).
//!
//! The worker opens its own connections (one to read, one to acknowledge): a blocking `XREADGROUP` holds the connection it is sent
//! on, so sharing a multiplexed connection would stall every other command queued behind it (and
//! trip the default 500 ms response timeout).

mod consume;
mod entry;
mod reclaim;

use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::{StreamReadOptions, StreamReadReply};
use tokio_util::sync::CancellationToken;

pub use self::entry::StreamEntry;
use crate::{BusError, Keys};

const DEFAULT_BATCH: usize = 16;
const DEFAULT_CONCURRENCY: usize = 1;
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
    concurrency: usize,
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
            concurrency: DEFAULT_CONCURRENCY,
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

    /// How many handlers run at once (1 by default: entries are handled one after another, in
    /// stream order). Above 1, order across entries is no longer kept, so use it only where
    /// entries are independent (each carries its own claim, as a step attempt does).
    pub fn concurrency(mut self, handlers: usize) -> Self {
        self.concurrency = handlers.max(1);
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
