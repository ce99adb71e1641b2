//! The transactional outbox on this machine's Postgres and Redis (the ones `make test` starts):
//! latency from commit to the event on the tenant stream, and relay throughput.
//!
//! `cargo run --release -p djinnbot-bench --bin outbox-bench` (`OUTBOX_BENCH_EVENTS`, default
//! 50000, sizes the throughput run).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kit::db::TenantTx;
use kit::outbox::{self, Relay, RelayConfig};
use kit::testing::TestDb;
use redis::streams::{StreamReadOptions, StreamReadReply};
use shared_schemas::events::platform::AgentDeleted;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::AgentId;
use tokio_util::sync::CancellationToken;

const ROLE: &str = "agent_svc";

fn event() -> Event {
    Event::AgentDeleted(AgentDeleted {
        agent_id: AgentId::generate(),
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let db = TestDb::create().await;
    let (tenant, _) = db.create_tenant("bench").await;
    let pool = db.pool_as(ROLE).await;
    let redis = kit::platform::connect_redis(&kit::testing::redis_url()).await?;
    let keys = bus::Keys::new(format!("bench-{}", uuid::Uuid::new_v4().simple()));
    let publisher = bus::Publisher::new(redis.clone(), keys.clone(), 1_000_000);
    let stream = keys.tenant_events(&tenant);

    // 1. Latency: one committed event every 2 ms, a relay woken by NOTIFY, a blocking reader.
    let stop = CancellationToken::new();
    let relay =
        Relay::new(pool.clone(), publisher.clone(), RelayConfig::default()).spawn(stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = 2000;
    // Its own connection: a blocking XREAD would hold up the relay's commands on a shared one.
    let mut reader_conn = kit::platform::connect_redis(&kit::testing::redis_url()).await?;
    let reader = {
        let stream = stream.clone();
        tokio::spawn(async move {
            let mut seen = HashMap::new();
            let mut last = "0".to_owned();
            let options = StreamReadOptions::default().block(1000).count(1000);
            while seen.len() < n {
                let reply: StreamReadReply = redis::AsyncCommands::xread_options(
                    &mut reader_conn,
                    &[&stream],
                    &[&last],
                    &options,
                )
                .await
                .expect("xread");
                let at = Instant::now();
                for key in reply.keys {
                    for entry in key.ids {
                        last = entry.id.clone();
                        let data: String = entry.get(bus::publish::DATA_FIELD).expect("data");
                        let env = EventEnvelope::from_json(&data).expect("envelope");
                        seen.insert(env.id.to_string(), at);
                    }
                }
            }
            seen
        })
    };
    let mut committed = HashMap::new();
    for _ in 0..n {
        let mut tx = TenantTx::begin(&pool, &tenant).await?;
        let env = outbox::append(&mut tx, event()).await?;
        tx.commit().await?;
        committed.insert(env.id.to_string(), Instant::now());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let seen = reader.await?;
    let mut lat: Vec<Duration> = committed
        .iter()
        .map(|(id, at)| seen[id].saturating_duration_since(*at))
        .collect();
    lat.sort();
    println!(
        "| outbox latency, commit -> tenant stream | {n} events, 1 every 2 ms | p50 {:.2} ms | p99 {:.2} ms | max {:.2} ms |",
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    stop.cancel();
    relay.await?;

    // 2. Throughput: a backlog written while no relay runs, then drained by one relay.
    let total: usize = std::env::var("OUTBOX_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let started = Instant::now();
    for _ in 0..total / 100 {
        let mut tx = TenantTx::begin(&pool, &tenant).await?;
        for _ in 0..100 {
            outbox::append(&mut tx, event()).await?;
        }
        tx.commit().await?;
    }
    let appended = started.elapsed();
    let relay = Relay::new(pool.clone(), publisher.clone(), RelayConfig::default());
    let started = Instant::now();
    let sent = relay.drain().await?;
    let drained = started.elapsed();
    println!(
        "| outbox append, 100 per transaction | {total} events | {:.0} events/s | | |",
        total as f64 / appended.as_secs_f64()
    );
    println!(
        "| outbox relay drain of a backlog | {sent} events | {:.0} events/s | {:.2} s | |",
        sent as f64 / drained.as_secs_f64(),
        drained.as_secs_f64()
    );
    Ok(())
}
