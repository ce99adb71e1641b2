//! The relay: publishes committed outbox rows to Redis, oldest first, and marks them sent.
//!
//! One relay per service instance runs; across replicas only the holder of a transaction-scoped
//! advisory lock publishes, so rows leave in commit order per service (and so per tenant). A
//! batch is read, published in ONE Redis script (all rows or none, one round trip) and marked in
//! the same transaction that holds the lock. On a Redis connection error nothing is marked and
//! the batch is tried again with backoff, so order holds and nothing is sent twice unless the
//! process dies between publishing and committing (delivery is at least once). When Redis
//! refuses the batch for good (a key of the wrong type), the batch goes row by row: the refused
//! row is marked with its error and skipped, so it cannot hold back every later event.
//!
//! The relay wakes on a `NOTIFY` sent by the committing transaction, and polls as a fallback
//! (a missed notification, Postgres restarted, another replica held the lock).

use std::time::{Duration, Instant};

use bus::publish::Outgoing;
use bus::{BusError, Publisher};
use shared_schemas::ids::{RunId, TenantId};
use sqlx::postgres::PgListener;
use sqlx::{FromRow, PgPool};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::db::LookupTx;
use crate::platform::Platform;

/// `NOTIFY` channel prefix; the channel is this plus the service's schema.
pub const NOTIFY_PREFIX: &str = "djb_outbox_";
/// The capability the relay's transactions run under (a policy of each outbox table).
const RELAY_SCOPE: &str = "outbox-relay";

#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// Rows read and published per transaction.
    pub batch: i64,
    /// Poll interval when no notification arrives.
    pub poll: Duration,
    /// How long sent rows are kept (for inspection) before they are deleted.
    pub retention: Duration,
    /// How long consumers' applied event ids are kept; longer than any redelivery can come.
    pub applied_retention: Duration,
    pub prune_every: Duration,
    /// Longest wait between attempts while Redis or Postgres fail.
    pub max_backoff: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            batch: 500,
            poll: Duration::from_secs(1),
            retention: Duration::from_secs(3600),
            applied_retention: Duration::from_secs(7 * 24 * 3600),
            prune_every: Duration::from_secs(60),
            max_backoff: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("postgres: {0}")]
    Db(#[from] sqlx::Error),
    #[error("redis: {0}")]
    Bus(#[from] BusError),
    #[error("unpublishable row: {0}")]
    Invalid(String),
}

#[derive(FromRow)]
struct Pending {
    seq: i64,
    tenant_id: String,
    kind: String,
    run_id: Option<String>,
    channel: Option<String>,
    payload: String,
}

pub struct Relay {
    pool: PgPool,
    publisher: Publisher,
    config: RelayConfig,
}

impl Relay {
    pub fn new(pool: PgPool, publisher: Publisher, config: RelayConfig) -> Self {
        Self {
            pool,
            publisher,
            config,
        }
    }

    /// The relay of a service, configured from its common settings.
    pub fn for_platform(platform: &Platform) -> Self {
        let cfg = &platform.config;
        let config = RelayConfig {
            poll: Duration::from_millis(cfg.outbox_poll_ms.max(10)),
            retention: Duration::from_secs(cfg.outbox_retention_secs),
            applied_retention: Duration::from_secs(cfg.applied_events_retention_secs),
            ..RelayConfig::default()
        };
        Self::new(platform.db.pool().clone(), platform.publisher(), config)
    }

    /// Runs the relay until `shutdown`, on its own task.
    pub fn spawn(self, shutdown: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(self.run(shutdown))
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut listener: Option<PgListener> = None;
        let mut backoff = Duration::ZERO;
        let mut last_prune = Instant::now();
        while !shutdown.is_cancelled() {
            if listener.is_none() {
                listener = self.listen().await;
            }
            match self.drain().await {
                Ok(_) => backoff = Duration::ZERO,
                Err(err) => {
                    backoff =
                        (backoff * 2).clamp(Duration::from_millis(100), self.config.max_backoff);
                    tracing::warn!(error = %err, retry_in_ms = backoff.as_millis() as u64, "outbox relay could not publish; retrying");
                }
            }
            if last_prune.elapsed() >= self.config.prune_every {
                last_prune = Instant::now();
                if let Err(err) = self.prune().await {
                    tracing::warn!(error = %err, "outbox prune failed");
                }
            }
            let wait = if backoff.is_zero() {
                self.config.poll
            } else {
                backoff
            };
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(wait) => {}
                woke = notified(&mut listener), if backoff.is_zero() => {
                    if !woke {
                        listener = None;
                    }
                }
            }
        }
        // Rows committed by requests that finished during the drain still go out.
        if let Err(err) = self.drain().await {
            tracing::warn!(error = %err, "outbox relay stopped with rows unsent; the next start sends them");
        }
    }

    async fn listen(&self) -> Option<PgListener> {
        let attempt = async {
            let schema: String = sqlx::query_scalar("select current_schema()::text")
                .fetch_one(&self.pool)
                .await?;
            let mut listener = PgListener::connect_with(&self.pool).await?;
            listener.listen(&format!("{NOTIFY_PREFIX}{schema}")).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match attempt.await {
            Ok(listener) => Some(listener),
            Err(err) => {
                tracing::debug!(error = %err, "outbox relay polls: no notification listener");
                None
            }
        }
    }

    /// Publishes committed rows until none is left (or another replica holds the relay lock).
    /// Returns how many rows this call published.
    pub async fn drain(&self) -> Result<usize, RelayError> {
        let mut total = 0;
        loop {
            let (sent, full) = self.batch().await?;
            total += sent;
            if !full {
                return Ok(total);
            }
        }
    }

    /// One batch: `(published, whether the batch was full)`.
    async fn batch(&self) -> Result<(usize, bool), RelayError> {
        let mut tx = LookupTx::begin(&self.pool, "app.scope", RELAY_SCOPE).await?;
        let ours: bool = sqlx::query_scalar(
            "select pg_try_advisory_xact_lock(hashtext($1 || current_schema()))",
        )
        .bind(NOTIFY_PREFIX)
        .fetch_one(&mut *tx)
        .await?;
        if !ours {
            tx.commit().await?;
            return Ok((0, false));
        }
        let rows: Vec<Pending> = sqlx::query_as(
            "select seq, tenant_id, kind, run_id, channel, payload from outbox
              where sent_at is null order by seq limit $1",
        )
        .bind(self.config.batch)
        .fetch_all(&mut *tx)
        .await?;
        let full = rows.len() as i64 == self.config.batch;
        let result = match self.publish_all(&rows).await {
            Ok(()) => {
                let all: Vec<i64> = rows.iter().map(|r| r.seq).collect();
                mark_sent(&mut tx, &all).await?;
                Ok((all.len(), full))
            }
            Err(err) if is_transient(&err) => Err(err),
            // Something in the batch is refused for good: find it row by row.
            Err(_) => self.publish_each(&mut tx, &rows).await.map(|n| (n, full)),
        };
        tx.commit().await?;
        result
    }

    /// The whole batch in one script, all rows or none.
    async fn publish_all(&self, rows: &[Pending]) -> Result<(), RelayError> {
        let targets = rows.iter().map(target).collect::<Result<Vec<_>, _>>()?;
        let items: Vec<Outgoing<'_>> = rows
            .iter()
            .zip(&targets)
            .map(|(row, target)| target.outgoing(&row.payload))
            .collect();
        Ok(self.publisher.publish_batch(&items).await?)
    }

    /// Row by row: a refused row is marked with its error and skipped; a connection error stops
    /// the batch at that row, the rows before it marked sent.
    async fn publish_each(&self, tx: &mut LookupTx, rows: &[Pending]) -> Result<usize, RelayError> {
        let mut sent = Vec::with_capacity(rows.len());
        let mut stopped = None;
        for row in rows {
            let published = match target(row) {
                Ok(target) => self
                    .publisher
                    .publish_batch(&[target.outgoing(&row.payload)])
                    .await
                    .map_err(RelayError::from),
                Err(err) => Err(err),
            };
            match published {
                Ok(()) => sent.push(row.seq),
                Err(err) if is_transient(&err) => {
                    stopped = Some(err);
                    break;
                }
                Err(err) => {
                    tracing::error!(seq = row.seq, tenant = %row.tenant_id, error = %err, "outbox row refused; skipped");
                    sqlx::query("update outbox set sent_at = $2, last_error = $3 where seq = $1")
                        .bind(row.seq)
                        .bind(super::now_ms())
                        .bind(err.to_string())
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        mark_sent(tx, &sent).await?;
        match stopped {
            Some(err) => Err(err),
            None => Ok(sent.len()),
        }
    }

    /// Deletes sent rows and applied event ids older than their retention.
    pub async fn prune(&self) -> Result<u64, sqlx::Error> {
        let now = super::now_ms();
        let sent_before = now - millis(self.config.retention);
        let applied_before = now - millis(self.config.applied_retention);
        let mut tx = LookupTx::begin(&self.pool, "app.scope", RELAY_SCOPE).await?;
        let outbox = sqlx::query(
            "delete from outbox where seq in
               (select seq from outbox where sent_at < $1 order by sent_at limit 10000)",
        )
        .bind(sent_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let applied = sqlx::query(
            "delete from applied_events where (consumer, event_id) in
               (select consumer, event_id from applied_events where applied_at < $1 limit 10000)",
        )
        .bind(applied_before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(outbox + applied)
    }
}

async fn mark_sent(tx: &mut LookupTx, seqs: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query("update outbox set sent_at = $2 where seq = any($1)")
        .bind(seqs)
        .bind(super::now_ms())
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// Where a row goes, parsed from its columns.
enum Target {
    Event {
        tenant: TenantId,
        run: Option<RunId>,
    },
    Notice {
        channel: String,
    },
}

impl Target {
    fn outgoing<'a>(&'a self, data: &'a str) -> Outgoing<'a> {
        match self {
            Self::Event { tenant, run } => Outgoing::Event {
                tenant,
                run: run.as_ref(),
                data,
            },
            Self::Notice { channel } => Outgoing::Notice { channel, data },
        }
    }
}

fn target(row: &Pending) -> Result<Target, RelayError> {
    if row.kind == "notice" {
        let channel = row
            .channel
            .clone()
            .ok_or_else(|| invalid("a notice without a channel"))?;
        return Ok(Target::Notice { channel });
    }
    let tenant = TenantId::parse(row.tenant_id.as_str()).map_err(invalid)?;
    let run = row
        .run_id
        .as_deref()
        .map(RunId::parse)
        .transpose()
        .map_err(invalid)?;
    Ok(Target::Event { tenant, run })
}

/// Waits for a notification; `false` when the listener is gone (it is then made anew).
async fn notified(listener: &mut Option<PgListener>) -> bool {
    match listener {
        Some(l) => l.recv().await.is_ok(),
        None => std::future::pending().await,
    }
}

/// Redis errors worth retrying: everything but a refusal of the row itself. `LOADING`, `OOM`,
/// dropped connections and timeouts all pass.
fn is_transient(err: &RelayError) -> bool {
    match err {
        RelayError::Db(_) => true,
        RelayError::Invalid(_) | RelayError::Bus(BusError::Json(_)) => false,
        RelayError::Bus(bus) => bus.redis_code() != Some("WRONGTYPE"),
    }
}

fn invalid(err: impl std::fmt::Display) -> RelayError {
    RelayError::Invalid(err.to_string())
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
