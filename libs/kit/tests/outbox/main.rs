//! The transactional outbox against real Postgres and Redis: what commits is published once and
//! in order, what rolls back never is, a crash between commit and publish loses nothing, and a
//! Redis outage only delays delivery.

mod crash;
mod outage;
mod support;

use std::time::Duration;

use kit::db::TenantTx;
use kit::outbox::{self, Relay, RelayConfig};
use shared_schemas::events::EventEnvelope;
use shared_schemas::ids::RunId;

use crate::support::{Setup, delete_event, entries};

#[tokio::test]
async fn a_committed_event_reaches_the_global_tenant_and_run_streams() {
    let s = Setup::new().await;
    let run = RunId::generate();
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    let plain = outbox::append(&mut tx, delete_event("agt_1"))
        .await
        .expect("append");
    let of_run = outbox::append_for_run(&mut tx, &run, delete_event("agt_2"))
        .await
        .expect("append");
    tx.commit().await.expect("commit");

    assert_eq!(s.relay().drain().await.expect("drain"), 2);
    let keys = s.publisher.keys();
    let tenant_ids = ids(&entries(&s.redis, &keys.tenant_events(&s.tenant)).await);
    assert_eq!(
        tenant_ids,
        vec![plain.id.to_string(), of_run.id.to_string()]
    );
    let run_ids = ids(&entries(&s.redis, &keys.run_events(&s.tenant, &run)).await);
    assert_eq!(run_ids, vec![of_run.id.to_string()]);
    let global = entries(&s.redis, &keys.global_events()).await;
    assert!(ids(&global).contains(&plain.id.to_string()));
    // Marked sent: a second drain publishes nothing.
    assert_eq!(s.relay().drain().await.expect("drain"), 0);
}

#[tokio::test]
async fn a_rolled_back_change_publishes_nothing() {
    let s = Setup::new().await;
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    outbox::append(&mut tx, delete_event("agt_gone"))
        .await
        .expect("append");
    tx.rollback().await.expect("rollback");
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    let kept = outbox::append(&mut tx, delete_event("agt_kept"))
        .await
        .expect("append");
    tx.commit().await.expect("commit");

    assert_eq!(s.relay().drain().await.expect("drain"), 1);
    let got = ids(&entries(&s.redis, &s.publisher.keys().tenant_events(&s.tenant)).await);
    assert_eq!(got, vec![kept.id.to_string()]);
}

#[tokio::test]
async fn a_redelivered_event_is_applied_once() {
    let s = Setup::new().await;
    let event = "evt_redelivered";
    for (attempt, want) in [(1, true), (2, false), (3, false)] {
        let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
        let first = outbox::first_delivery(&mut tx, "cg:test", event)
            .await
            .expect("record");
        assert_eq!(first, want, "delivery {attempt}");
        if first {
            sqlx::query("update auth.tenants set name = name || '+' where id = $1")
                .bind(s.tenant.as_str())
                .execute(&s.admin)
                .await
                .expect("effect");
        }
        tx.commit().await.expect("commit");
    }
    let name: String = sqlx::query_scalar("select name from auth.tenants where id = $1")
        .bind(s.tenant.as_str())
        .fetch_one(&s.admin)
        .await
        .expect("name");
    assert_eq!(name.matches('+').count(), 1, "effect applied once: {name}");
    // Another consumer applies the same event on its own.
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    assert!(
        outbox::first_delivery(&mut tx, "cg:other", event)
            .await
            .expect("record")
    );
    // A rolled-back effect forgets the delivery too, so the retry applies it.
    tx.rollback().await.expect("rollback");
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    assert!(
        outbox::first_delivery(&mut tx, "cg:other", event)
            .await
            .expect("record")
    );
}

#[tokio::test]
async fn a_running_relay_wakes_on_commit_without_waiting_for_its_poll() {
    let s = Setup::new().await;
    let config = RelayConfig {
        poll: Duration::from_secs(60),
        ..RelayConfig::default()
    };
    let stop = tokio_util::sync::CancellationToken::new();
    let relay = Relay::new(s.pool.clone(), s.publisher.clone(), config).spawn(stop.clone());
    // Let the relay start listening and finish its first (empty) drain.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    let sent = outbox::append(&mut tx, delete_event("agt_1"))
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    let key = s.publisher.keys().tenant_events(&s.tenant);
    let got = support::wait_for(&s.redis, &key, 1, Duration::from_secs(5)).await;
    assert_eq!(ids(&got), vec![sent.id.to_string()]);
    stop.cancel();
    relay.await.expect("relay task");
}

#[tokio::test]
async fn two_relays_publish_every_row_once_in_commit_order() {
    let s = Setup::new().await;
    let mut sent = Vec::new();
    for chunk in 0..20 {
        let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
        for i in 0..50 {
            let event = delete_event(&format!("agt_{chunk}_{i}"));
            sent.push(
                outbox::append(&mut tx, event)
                    .await
                    .expect("append")
                    .id
                    .to_string(),
            );
        }
        tx.commit().await.expect("commit");
    }
    let config = || RelayConfig {
        batch: 37,
        ..RelayConfig::default()
    };
    let a = Relay::new(s.pool.clone(), s.publisher.clone(), config());
    let b = Relay::new(s.pool.clone(), s.publisher.clone(), config());
    let (ra, rb) = tokio::join!(a.drain(), b.drain());
    let (ra, rb) = (ra.expect("relay a"), rb.expect("relay b"));
    // Whichever lost the lock may stop early; what is left goes out on the next drain.
    let rest = a.drain().await.expect("drain");
    assert_eq!(ra + rb + rest, sent.len());
    let got = ids(&entries(&s.redis, &s.publisher.keys().tenant_events(&s.tenant)).await);
    assert_eq!(got, sent);
}

#[tokio::test]
async fn a_row_redis_refuses_is_skipped_and_later_events_still_flow() {
    let s = Setup::new().await;
    let key = s.publisher.keys().tenant_events(&s.tenant);
    // Something foreign took the tenant stream's key: the dual publish refuses (WRONGTYPE).
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg("not a stream")
        .query_async(&mut s.redis.clone())
        .await
        .expect("set");
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    outbox::append(&mut tx, delete_event("agt_refused"))
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    assert_eq!(s.relay().drain().await.expect("drain"), 0);
    let error: Option<String> =
        sqlx::query_scalar("select last_error from agent.outbox where sent_at is not null")
            .fetch_one(&s.admin)
            .await
            .expect("row");
    assert!(error.unwrap_or_default().contains("WRONGTYPE"));

    let _: () = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut s.redis.clone())
        .await
        .expect("del");
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    let next = outbox::append(&mut tx, delete_event("agt_next"))
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    assert_eq!(s.relay().drain().await.expect("drain"), 1);
    assert_eq!(
        ids(&entries(&s.redis, &key).await),
        vec![next.id.to_string()]
    );
}

#[tokio::test]
async fn another_tenants_transaction_cannot_write_or_read_a_tenants_outbox() {
    let s = Setup::new().await;
    let (other, _) = s.db.create_tenant("other").await;
    let mut tx = TenantTx::begin(&s.pool, &other).await.expect("begin");
    let forged = EventEnvelope::new(s.tenant.clone(), None, delete_event("agt_x"));
    let refused = outbox::append_envelope(&mut tx, &forged).await;
    assert!(refused.is_err(), "RLS must refuse another tenant's event");
    drop(tx);

    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    outbox::append(&mut tx, delete_event("agt_1"))
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    let mut tx = TenantTx::begin(&s.pool, &other).await.expect("begin");
    let seen: i64 = sqlx::query_scalar("select count(*) from outbox")
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn prune_deletes_sent_rows_past_retention_and_keeps_unsent_ones() {
    let s = Setup::new().await;
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    outbox::append(&mut tx, delete_event("agt_1"))
        .await
        .expect("append");
    outbox::first_delivery(&mut tx, "cg:test", "evt_old")
        .await
        .expect("record");
    tx.commit().await.expect("commit");
    s.relay().drain().await.expect("drain");
    let mut tx = TenantTx::begin(&s.pool, &s.tenant).await.expect("begin");
    outbox::append(&mut tx, delete_event("agt_unsent"))
        .await
        .expect("append");
    tx.commit().await.expect("commit");

    let expired = Relay::new(
        s.pool.clone(),
        s.publisher.clone(),
        RelayConfig {
            retention: Duration::ZERO,
            applied_retention: Duration::ZERO,
            ..RelayConfig::default()
        },
    );
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(expired.prune().await.expect("prune"), 2);
    let left: Vec<Option<i64>> = sqlx::query_scalar("select sent_at from agent.outbox")
        .fetch_all(&s.admin)
        .await
        .expect("rows");
    assert_eq!(left, vec![None], "only the unsent row is left");
}

fn ids(entries: &[EventEnvelope]) -> Vec<String> {
    entries.iter().map(|e| e.id.to_string()).collect()
}
