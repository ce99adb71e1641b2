//! The hub: at most one live reader per stream per replica, shared by every local subscriber.
//!
//! A feed is one stream key with a bounded `broadcast` channel. Feeds are spread over a fixed
//! set of reader shards; each shard owns one Redis connection and blocks in one
//! `XREAD BLOCK … STREAMS k1 k2 …` over all of its feeds, so 10 000 watched streams cost a
//! handful of connections, not 10 000. A subscriber that falls more than the channel's
//! capacity behind is told so (`Lagged`) and closed by its stream (it resumes with its last id);
//! the reader never waits for anyone. When the last subscriber of a feed leaves, the feed leaves
//! its shard and nothing reads the stream any more.
//!
//! A shard blocked in `XREAD` notices a feed added meanwhile when the read returns (at most
//! `block` later): the new subscriber replays from Redis first, so it misses nothing; only that
//! feed's first live entries can wait that long.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::StreamReadReply;
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;

use crate::domain::cursor::EntryId;
use crate::domain::shape::Entry;
use crate::store::streams;

/// Entries read per stream per `XREAD`.
const READ_COUNT: usize = 512;

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    feeds: Mutex<HashMap<String, Weak<Feed>>>,
    shards: Vec<Arc<Shard>>,
    hasher: RandomState,
    capacity: usize,
    generation: AtomicU64,
    conn: ConnectionManager,
    /// Streams read live right now (`sse_live_readers`).
    readers: prometheus::IntGauge,
}

#[derive(Default)]
struct Shard {
    members: Mutex<HashMap<String, Member>>,
    wake: Notify,
}

struct Member {
    generation: u64,
    after: EntryId,
    tx: broadcast::Sender<Arc<Entry>>,
}

/// One watched stream; dropped with its last subscriber.
struct Feed {
    key: String,
    generation: u64,
    shard: Arc<Shard>,
    hub: Weak<Inner>,
    tx: broadcast::Sender<Arc<Entry>>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        // A newer feed of the same key may have replaced this one: remove only our own.
        let mut members = lock(&self.shard.members);
        if members
            .get(&self.key)
            .is_some_and(|m| m.generation == self.generation)
        {
            members.remove(&self.key);
        }
        drop(members);
        if let Some(hub) = self.hub.upgrade() {
            let mut feeds = lock(&hub.feeds);
            if feeds.get(&self.key).is_some_and(|w| w.strong_count() == 0) {
                feeds.remove(&self.key);
            }
        }
    }
}

/// A subscriber's end of a feed: live entries in order, from the moment it subscribed.
pub struct Subscription {
    pub rx: broadcast::Receiver<Arc<Entry>>,
    _feed: Arc<Feed>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How the hub reads.
#[derive(Debug, Clone, Copy)]
pub struct HubSettings {
    pub shards: usize,
    pub capacity: usize,
    pub block: Duration,
    /// Pause after a read that returned entries, so a busy shard gathers what arrives for a
    /// moment into one `XREAD` instead of one call per entry (each call costs Redis a look at
    /// every stream of the shard).
    pub coalesce: Duration,
}

impl Hub {
    /// Starts `settings.shards` readers, each on a connection of its own from `client`.
    pub fn start(
        client: redis::Client,
        conn: ConnectionManager,
        settings: HubSettings,
        readers: prometheus::IntGauge,
        shutdown: CancellationToken,
    ) -> Self {
        let shards: Vec<Arc<Shard>> = (0..settings.shards.max(1))
            .map(|_| Arc::new(Shard::default()))
            .collect();
        for (n, shard) in shards.iter().enumerate() {
            let reader = Reader {
                client: client.clone(),
                shard: shard.clone(),
                block: settings.block,
                coalesce: settings.coalesce,
            };
            let stop = shutdown.clone();
            tokio::spawn(async move { reader.run(n, stop).await });
        }
        Self {
            inner: Arc::new(Inner {
                feeds: Mutex::default(),
                shards,
                hasher: RandomState::new(),
                capacity: settings.capacity.max(1),
                generation: AtomicU64::new(0),
                conn,
                readers,
            }),
        }
    }

    /// Joins the feed of `key`, starting one if nobody on this replica watches it. Entries
    /// appended after this returns are delivered; earlier ones are the caller's to replay.
    pub async fn subscribe(&self, key: &str) -> redis::RedisResult<Subscription> {
        if let Some(sub) = self.join(key) {
            return Ok(sub);
        }
        // The reader starts after the newest entry now: anything appended later is read.
        let after = streams::last_id(&self.inner.conn, key).await?;
        if let Some(sub) = self.join(key) {
            return Ok(sub);
        }
        let inner = &self.inner;
        let shard = inner.shards[shard_of(&inner.hasher, key, inner.shards.len())].clone();
        let (tx, rx) = broadcast::channel(inner.capacity);
        let generation = inner.generation.fetch_add(1, Ordering::Relaxed);
        let feed = Arc::new(Feed {
            key: key.to_owned(),
            generation,
            shard: shard.clone(),
            hub: Arc::downgrade(inner),
            tx: tx.clone(),
        });
        lock(&inner.feeds).insert(key.to_owned(), Arc::downgrade(&feed));
        let was_empty = {
            let mut members = lock(&shard.members);
            let was_empty = members.is_empty();
            members.insert(
                key.to_owned(),
                Member {
                    generation,
                    after,
                    tx,
                },
            );
            was_empty
        };
        inner.readers.inc();
        if was_empty {
            shard.wake.notify_one();
        }
        Ok(Subscription { rx, _feed: feed })
    }

    fn join(&self, key: &str) -> Option<Subscription> {
        let feeds = lock(&self.inner.feeds);
        let feed = feeds.get(key)?.upgrade()?;
        let rx = feed.tx.subscribe();
        drop(feeds);
        Some(Subscription { rx, _feed: feed })
    }

    /// Streams read live right now (one reader each, whatever the number of subscribers).
    pub fn feeds(&self) -> usize {
        self.inner
            .shards
            .iter()
            .map(|s| lock(&s.members).len())
            .sum()
    }

    /// Redis connections the readers hold (one per shard).
    pub fn reader_connections(&self) -> usize {
        self.inner.shards.len()
    }
}

fn shard_of(hasher: &RandomState, key: &str, shards: usize) -> usize {
    let hash = hasher.hash_one(key);
    usize::try_from(hash % u64::try_from(shards).unwrap_or(1)).unwrap_or(0)
}

struct Reader {
    client: redis::Client,
    shard: Arc<Shard>,
    block: Duration,
    coalesce: Duration,
}

impl Reader {
    async fn run(self, n: usize, shutdown: CancellationToken) {
        let mut conn: Option<ConnectionManager> = None;
        while !shutdown.is_cancelled() {
            let (keys, ids): (Vec<String>, Vec<String>) = lock(&self.shard.members)
                .iter()
                .map(|(k, m)| (k.clone(), m.after.to_string()))
                .unzip();
            if keys.is_empty() {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = self.shard.wake.notified() => continue,
                }
            }
            let c = match conn.as_mut() {
                Some(c) => c,
                None => match self.connect().await {
                    Ok(c) => conn.insert(c),
                    Err(err) => {
                        tracing::warn!(shard = n, error = %err, "hub reader cannot connect");
                        pause(&shutdown).await;
                        continue;
                    }
                },
            };
            let mut cmd = redis::cmd("XREAD");
            cmd.arg("COUNT")
                .arg(READ_COUNT)
                .arg("BLOCK")
                .arg(u64::try_from(self.block.as_millis()).unwrap_or(1000).max(1))
                .arg("STREAMS")
                .arg(&keys)
                .arg(&ids);
            let read = cmd.query_async::<Option<StreamReadReply>>(c);
            let reply = tokio::select! {
                () = shutdown.cancelled() => break,
                reply = read => reply,
            };
            match reply {
                Ok(Some(reply)) => {
                    self.deliver(reply);
                    if !self.coalesce.is_zero() {
                        tokio::time::sleep(self.coalesce).await;
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(shard = n, error = %err, "hub read failed");
                    conn = None;
                    pause(&shutdown).await;
                }
            }
        }
    }

    fn deliver(&self, reply: StreamReadReply) {
        let mut members = lock(&self.shard.members);
        for stream in reply.keys {
            let Some(member) = members.get_mut(&stream.key) else {
                continue; // its last subscriber left while we read
            };
            for raw in &stream.ids {
                let Some(entry) = streams::entry_from(raw) else {
                    continue;
                };
                member.after = entry.id;
                // No receiver left is not an error: the feed is being dropped.
                let _ = member.tx.send(Arc::new(entry));
            }
        }
    }

    async fn connect(&self) -> redis::RedisResult<ConnectionManager> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(self.block + Duration::from_secs(5)));
        ConnectionManager::new_with_config(self.client.clone(), config).await
    }
}

async fn pause(shutdown: &CancellationToken) {
    tokio::select! {
        () = shutdown.cancelled() => {}
        () = tokio::time::sleep(Duration::from_millis(500)) => {}
    }
}
