//! The transactional outbox (ARCHITECTURE §5).
//!
//! A flow that changes the database appends the events reporting the change with [`append`]
//! inside its own transaction. They are rows of the service's `outbox` table until the commit,
//! and the service's [`relay`] publishes committed rows to Redis (the dual publish of
//! `bus::publish`) and marks them sent. So a crash between commit and publish loses nothing (the
//! relay of the next process finds the rows), and a rolled-back change announces nothing.
//!
//! Delivery is at least once: a relay that dies after publishing but before marking a batch sent
//! publishes it again. Consumers therefore record the ids they applied with [`first_delivery`]
//! in the same transaction as the effect, and skip an event they have seen.
//!
//! Every statement names `outbox` unqualified: a service connects as its own role, whose
//! `search_path` is its own schema, so each service writes and relays only its own table.

pub mod relay;

use serde_json::Value;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{RunId, TenantId};
use sqlx::PgConnection;

use crate::db::TenantTx;

pub use relay::{Relay, RelayConfig};

/// Appends `event`, stamped with the transaction's tenant, to the outbox. Returns the envelope
/// as it will be published (its id is what consumers deduplicate on).
pub async fn append(tx: &mut TenantTx, event: Event) -> Result<EventEnvelope, sqlx::Error> {
    let envelope = EventEnvelope::new(tx.tenant().clone(), None, event);
    append_envelope(tx, &envelope).await?;
    Ok(envelope)
}

/// [`append`] for an event of one run: it also goes to the run's own stream.
pub async fn append_for_run(
    tx: &mut TenantTx,
    run: &RunId,
    event: Event,
) -> Result<EventEnvelope, sqlx::Error> {
    let envelope = EventEnvelope::new(tx.tenant().clone(), Some(run.clone()), event);
    append_envelope(tx, &envelope).await?;
    Ok(envelope)
}

/// Appends a ready envelope. `conn` must be inside a transaction whose `app.tenant_id` is the
/// envelope's tenant (row-level security refuses any other).
pub async fn append_envelope(
    conn: &mut PgConnection,
    envelope: &EventEnvelope,
) -> Result<(), sqlx::Error> {
    let payload = serde_json::to_string(envelope)
        .map_err(|e| sqlx::Error::Encode(format!("event {}: {e}", envelope.id.as_str()).into()))?;
    insert(
        conn,
        &envelope.tenant_id,
        Row {
            kind: "event",
            run_id: envelope.run_id.as_ref().map(RunId::as_str),
            channel: None,
            payload: &payload,
        },
    )
    .await
}

/// Appends a pub/sub notice (a cache invalidation, a trigger) for `channel`, a name built by
/// `bus::Keys`. It is sent after commit, like an event; pub/sub keeps nothing for subscribers
/// that are absent at that moment.
pub async fn append_notice(
    conn: &mut PgConnection,
    tenant: &TenantId,
    channel: &str,
    message: &Value,
) -> Result<(), sqlx::Error> {
    let payload = message.to_string();
    insert(
        conn,
        tenant,
        Row {
            kind: "notice",
            run_id: None,
            channel: Some(channel),
            payload: &payload,
        },
    )
    .await
}

struct Row<'a> {
    kind: &'static str,
    run_id: Option<&'a str>,
    channel: Option<&'a str>,
    payload: &'a str,
}

async fn insert(
    conn: &mut PgConnection,
    tenant: &TenantId,
    row: Row<'_>,
) -> Result<(), sqlx::Error> {
    // One round trip: the row, and a wake-up for the relay that Postgres delivers at commit
    // (notifications of a rolled-back transaction are never sent).
    sqlx::query(
        "with added as (
             insert into outbox (tenant_id, kind, run_id, channel, payload, created_at)
             values ($1, $2, $3, $4, $5, $6)
             returning seq)
         select pg_notify($7 || current_schema(), '') from added",
    )
    .bind(tenant.as_str())
    .bind(row.kind)
    .bind(row.run_id)
    .bind(row.channel)
    .bind(row.payload)
    .bind(now_ms())
    .bind(relay::NOTIFY_PREFIX)
    .execute(conn)
    .await
    .map(drop)
}

/// Records that `consumer` applied `event_id` and says whether this is the first time. Call it
/// in the transaction that applies the event's effect: on `false` (a redelivery) skip the effect,
/// commit and acknowledge. Consumer names are stable per purpose (`cg:project-cleanup`, …).
pub async fn first_delivery(
    tx: &mut TenantTx,
    consumer: &str,
    event_id: &str,
) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant().as_str().to_owned();
    let added = sqlx::query(
        "insert into applied_events (consumer, event_id, tenant_id, applied_at)
         values ($1, $2, $3, $4) on conflict do nothing",
    )
    .bind(consumer)
    .bind(event_id)
    .bind(tenant)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(added.rows_affected() == 1)
}

pub(crate) fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
