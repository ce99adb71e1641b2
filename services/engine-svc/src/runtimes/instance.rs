//! This replica's liveness: `keys.engine_instance(id)` set with a short TTL and renewed well
//! before it lapses. A replica that dies (even `kill -9`) stops renewing; within the TTL the
//! others' reconcilers see its runtimes as orphans.

use std::time::Duration;

use bus::Keys;
use redis::aio::ConnectionManager;

use super::now_ms;

#[derive(Clone)]
pub struct Liveness {
    conn: ConnectionManager,
    keys: Keys,
    instance: String,
    ttl: Duration,
}

impl Liveness {
    pub fn new(conn: ConnectionManager, keys: Keys, instance: String, ttl: Duration) -> Self {
        Self {
            conn,
            keys,
            instance,
            ttl,
        }
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Sets (or renews) this replica's key; its value is when it was last renewed.
    pub async fn beat(&self) -> redis::RedisResult<()> {
        redis::cmd("SET")
            .arg(self.keys.engine_instance(&self.instance))
            .arg(now_ms())
            .arg("PX")
            .arg(
                u64::try_from(self.ttl.as_millis())
                    .unwrap_or(u64::MAX)
                    .max(1),
            )
            .query_async::<()>(&mut self.conn.clone())
            .await
    }

    /// Removes the key at a clean shutdown, so the others take over at once.
    pub async fn retire(&self) -> redis::RedisResult<()> {
        redis::cmd("DEL")
            .arg(self.keys.engine_instance(&self.instance))
            .query_async::<()>(&mut self.conn.clone())
            .await
    }

    /// Whether `instance` has a liveness key.
    pub async fn is_alive(&self, instance: &str) -> redis::RedisResult<bool> {
        redis::cmd("EXISTS")
            .arg(self.keys.engine_instance(instance))
            .query_async(&mut self.conn.clone())
            .await
    }
}
