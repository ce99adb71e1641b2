//! A unique key prefix per test against the real Redis of `REDIS_URL`.

use std::future::Future;
use std::sync::Once;
use std::time::Duration;

use bus::{Keys, Publisher};
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use shared_schemas::ids::TenantId;
use tracing_subscriber::EnvFilter;

const DEFAULT_URL: &str = "redis://127.0.0.1:56379";
const PATIENCE: Duration = Duration::from_secs(10);
const HOW_TO_START: &str = "start one with `redis-server --port 56379 --bind 127.0.0.1 --save '' \
    --appendonly no --daemonize yes` or set REDIS_URL";

pub struct TestRedis {
    pub client: redis::Client,
    pub conn: ConnectionManager,
    pub keys: Keys,
}

impl TestRedis {
    /// Connects or fails the test: a missing Redis must not look like a pass.
    pub async fn start() -> Self {
        init_logs();
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
        let client = redis::Client::open(url.as_str())
            .unwrap_or_else(|err| panic!("REDIS_URL `{url}` is not a Redis URL: {err}"));
        // One retry: an absent Redis should fail the test quickly.
        let config = ConnectionManagerConfig::new().set_number_of_retries(1);
        let conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .unwrap_or_else(|err| {
                panic!("Redis is not reachable at {url} ({err}); {HOW_TO_START}")
            });
        let keys = Keys::new(format!("test-{}", uuid::Uuid::new_v4()));
        Self { client, conn, keys }
    }

    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Deletes every key under this test's prefix.
    pub async fn cleanup(self) {
        let mut conn = self.conn.clone();
        let pattern = format!("{}:*", self.keys.prefix());
        let found: Vec<String> = {
            let mut iter = conn
                .scan_match::<_, String>(&pattern)
                .await
                .expect("SCAN works");
            let mut found = Vec::new();
            while let Some(key) = futures_util::StreamExt::next(&mut iter).await {
                found.push(key.expect("key name"));
            }
            found
        };
        if !found.is_empty() {
            let _: usize = conn.del(&found).await.expect("DEL works");
        }
    }
}

/// Worker and lease logs, on stderr only when `TEST_LOG` is set.
fn init_logs() {
    static ONCE: Once = Once::new();
    if std::env::var_os("TEST_LOG").is_some() {
        ONCE.call_once(|| {
            tracing_subscriber::fmt()
                .with_env_filter(EnvFilter::new("bus=debug"))
                .with_test_writer()
                .init();
        });
    }
}

pub fn tenant() -> TenantId {
    TenantId::generate()
}

/// Polls `check` until it holds, failing the test after ten seconds.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    until_some(what, || {
        let done = check();
        async move { done.await.then_some(()) }
    })
    .await;
}

/// Polls `attempt` until it yields a value, failing the test after ten seconds.
pub async fn until_some<T, F, Fut>(what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = attempt().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {PATIENCE:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Pending entries of `group` on `stream` (0 when the group does not exist).
pub async fn pending(conn: &mut ConnectionManager, stream: &str, group: &str) -> usize {
    let reply: redis::RedisResult<redis::streams::StreamPendingReply> =
        conn.xpending(stream, group).await;
    reply.map(|reply| reply.count()).unwrap_or(0)
}

/// What every worker test starts from: its own Redis namespace, the engine stream and group of
/// spec §3.5.1, and a publisher onto them.
pub async fn worker_setup() -> (
    TestRedis,
    ConnectionManager,
    Keys,
    String,
    String,
    Publisher,
) {
    let redis = TestRedis::start().await;
    let keys = redis.keys.clone();
    let publisher = Publisher::new(redis.conn(), keys.clone(), 10_000);
    let (stream, group) = (keys.global_events(), keys.engine_workers_group());
    let conn = redis.conn();
    (redis, conn, keys, stream, group, publisher)
}
