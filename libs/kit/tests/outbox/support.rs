//! A test database with one tenant, the agent-svc role's pool (its `outbox` is `agent.outbox`),
//! and a publisher with a unique key prefix.

use std::time::{Duration, Instant};

use bus::Publisher;
use kit::outbox::{Relay, RelayConfig};
use kit::testing::TestDb;
use redis::aio::ConnectionManager;
use shared_schemas::events::platform::AgentDeleted;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, TenantId};
use sqlx::PgPool;

pub const ROLE: &str = "agent_svc";

pub struct Setup {
    pub db: TestDb,
    pub admin: PgPool,
    pub pool: PgPool,
    pub tenant: TenantId,
    pub redis: ConnectionManager,
    pub publisher: Publisher,
}

impl Setup {
    pub async fn new() -> Self {
        let db = TestDb::create().await;
        let (tenant, _) = db.create_tenant("outbox").await;
        let redis = kit::platform::connect_redis(&kit::testing::redis_url())
            .await
            .expect("redis");
        let publisher = publisher_for(redis.clone(), &unique_prefix());
        Self {
            admin: db.admin.clone(),
            pool: db.pool_as(ROLE).await,
            db,
            tenant,
            redis,
            publisher,
        }
    }

    pub fn relay(&self) -> Relay {
        Relay::new(
            self.pool.clone(),
            self.publisher.clone(),
            RelayConfig::default(),
        )
    }
}

pub fn unique_prefix() -> String {
    format!("test-{}", uuid::Uuid::new_v4().simple())
}

pub fn publisher_for(conn: ConnectionManager, prefix: &str) -> Publisher {
    Publisher::new(conn, bus::Keys::new(prefix.to_owned()), 100_000)
}

pub fn delete_event(agent: &str) -> Event {
    Event::AgentDeleted(AgentDeleted {
        agent_id: AgentId::parse(agent).expect("agent id"),
    })
}

/// Every envelope on a stream, oldest first.
pub async fn entries(redis: &ConnectionManager, key: &str) -> Vec<EventEnvelope> {
    try_entries(redis, key).await.expect("xrange")
}

async fn try_entries(
    redis: &ConnectionManager,
    key: &str,
) -> Result<Vec<EventEnvelope>, redis::RedisError> {
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(key)
        .arg("-")
        .arg("+")
        .query_async(&mut redis.clone())
        .await?;
    Ok(reply
        .ids
        .iter()
        .map(|entry| {
            let data: String = entry.get(bus::publish::DATA_FIELD).expect("data field");
            EventEnvelope::from_json(&data).expect("envelope")
        })
        .collect())
}

/// Polls `key` until it holds at least `count` entries, or panics after `within`.
pub async fn wait_for(
    redis: &ConnectionManager,
    key: &str,
    count: usize,
    within: Duration,
) -> Vec<EventEnvelope> {
    let started = Instant::now();
    loop {
        // A connection that is still coming back counts as nothing seen yet.
        let got = try_entries(redis, key).await.unwrap_or_default();
        if got.len() >= count {
            return got;
        }
        assert!(
            started.elapsed() < within,
            "{} of {count} events on {key} after {within:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
