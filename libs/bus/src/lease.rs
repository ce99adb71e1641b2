//! Leases: one holder at a time for a run (§3.8.3A), a stdio MCP process (§3.7.1) or a Slack
//! partition (§3.8.5).
//!
//! A lease is `SET key holder NX PX ttl`; the value stays the bare holder id because other
//! replicas read it to find the owner. Each successful acquisition also increments a counter at
//! `keys.fence(key)` in the same script, and that number is the fencing token: strictly
//! increasing across holders, so a resource that remembers the highest token it has seen can
//! refuse a writer whose lease expired while it was paused.
//!
//! Renewal and release compare both the holder and the fencing counter before touching the key.
//! The counter matters when one holder id acquires the same key twice (a restarted instance with
//! a stable id): the stale `Lease` value then no longer matches and cannot extend or delete the
//! new lease.
//!
//! The counter never expires: a reset would hand out tokens smaller than ones a resource already
//! stored. Whoever deletes the protected thing for good (a finished run) deletes the counter too.
//!
//! The scripts touch the lease key and its counter, two hash slots in a cluster; the spec keeps
//! leases on a plain (Sentinel) Redis (§3.8.2).

use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::{BusError, Keys};

const ACQUIRE: &str = r"#!lua
-- KEYS: lease, fencing counter. ARGV: holder, ttl in ms.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return false
";

const RENEW: &str = r"#!lua
-- KEYS: lease, fencing counter. ARGV: holder, token, ttl in ms.
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 0
";

const RELEASE: &str = r"#!lua
-- KEYS: lease, fencing counter. ARGV: holder, token.
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

const BREAK: &str = r"#!lua
-- KEYS: lease. ARGV: the holder it is taken from.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Who holds the lease at `key` now, if anyone.
pub async fn holder_of(conn: &ConnectionManager, key: &str) -> Result<Option<String>, BusError> {
    Ok(redis::cmd("GET")
        .arg(key)
        .query_async(&mut conn.clone())
        .await?)
}

/// Deletes the lease at `key` if `holder` still holds it, for a caller that knows the holder is
/// gone (its liveness expired); `true` when it was broken. The fencing counter stays, so the
/// next holder's token is higher and a holder that was only paused has its writes refused.
pub async fn break_held_by(
    conn: &ConnectionManager,
    key: &str,
    holder: &str,
) -> Result<bool, BusError> {
    let deleted: i64 = Script::new(BREAK)
        .key(key)
        .arg(holder)
        .invoke_async(&mut conn.clone())
        .await?;
    Ok(deleted == 1)
}

/// A lease this process holds (or held: check with [`Lease::renew`]).
#[derive(Clone)]
pub struct Lease {
    conn: ConnectionManager,
    key: String,
    fence_key: String,
    holder: String,
    ttl: Duration,
    token: u64,
    acquired_at: Instant,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("key", &self.key)
            .field("holder", &self.holder)
            .field("ttl", &self.ttl)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl Lease {
    /// Takes the lease at `key` for `holder` unless someone holds it; `None` when taken.
    #[tracing::instrument(skip(conn, keys))]
    pub async fn acquire(
        conn: ConnectionManager,
        keys: &Keys,
        key: String,
        holder: String,
        ttl: Duration,
    ) -> Result<Option<Lease>, BusError> {
        let fence_key = keys.fence(&key);
        // Measured before asking: the lease cannot outlive this instant plus its TTL.
        let acquired_at = Instant::now();
        let token: Option<u64> = Script::new(ACQUIRE)
            .key(&key)
            .key(&fence_key)
            .arg(&holder)
            .arg(ttl_ms(ttl))
            .invoke_async(&mut conn.clone())
            .await?;
        Ok(token.map(|token| Lease {
            conn,
            key,
            fence_key,
            holder,
            ttl,
            token,
            acquired_at,
        }))
    }

    pub fn fencing_token(&self) -> u64 {
        self.token
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Extends the lease by its TTL from now; [`BusError::LeaseLost`] when it expired or changed
    /// hands.
    pub async fn renew(&self) -> Result<(), BusError> {
        let renewed: i64 = Script::new(RENEW)
            .key(&self.key)
            .key(&self.fence_key)
            .arg(&self.holder)
            .arg(self.token)
            .arg(ttl_ms(self.ttl))
            .invoke_async(&mut self.conn.clone())
            .await?;
        if renewed == 1 {
            Ok(())
        } else {
            Err(self.lost())
        }
    }

    /// Gives the lease up. `false` when it was no longer ours (nothing was deleted then).
    pub async fn release(self) -> Result<bool, BusError> {
        let deleted: i64 = Script::new(RELEASE)
            .key(&self.key)
            .key(&self.fence_key)
            .arg(&self.holder)
            .arg(self.token)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(deleted == 1)
    }

    /// Renews the lease every `every` (a third of the TTL is usual) until `shutdown` is cancelled
    /// or the returned [`Heartbeat`] is stopped or dropped.
    ///
    /// The lease counts as lost when Redis says so, and also when no renewal succeeded for a
    /// whole TTL (Redis unreachable): the key has expired by then, whatever Redis would say.
    pub fn spawn_heartbeat(&self, every: Duration, shutdown: CancellationToken) -> Heartbeat {
        let stop = shutdown.child_token();
        let lost = CancellationToken::new();
        let lease = self.clone();
        let task = tokio::spawn(beat(lease, every, stop.clone(), lost.clone()));
        Heartbeat { stop, lost, task }
    }

    fn lost(&self) -> BusError {
        BusError::LeaseLost {
            key: self.key.clone(),
            holder: self.holder.clone(),
        }
    }
}

async fn beat(lease: Lease, every: Duration, stop: CancellationToken, lost: CancellationToken) {
    let mut valid_until = lease.acquired_at + lease.ttl;
    loop {
        let wake = (Instant::now() + every).min(valid_until);
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep_until(wake) => {}
        }
        let sent = Instant::now();
        let remaining = valid_until.saturating_duration_since(sent);
        if remaining.is_zero() {
            tracing::warn!(key = %lease.key, "no renewal succeeded within the TTL; lease lost");
            lost.cancel();
            return;
        }
        match tokio::time::timeout(remaining, lease.renew()).await {
            Ok(Ok(())) => valid_until = sent + lease.ttl,
            Ok(Err(err @ BusError::LeaseLost { .. })) => {
                tracing::warn!(key = %lease.key, error = %err, "lease lost");
                lost.cancel();
                return;
            }
            Ok(Err(err)) => {
                tracing::warn!(key = %lease.key, error = %err, "renewing the lease failed");
            }
            // The next turn sees the expired deadline and reports the loss.
            Err(_) => tracing::warn!(key = %lease.key, "renewing the lease timed out"),
        }
    }
}

/// The task renewing a lease. Dropping it stops the renewals (the lease then expires after its
/// TTL unless released).
#[derive(Debug)]
pub struct Heartbeat {
    stop: CancellationToken,
    lost: CancellationToken,
    task: JoinHandle<()>,
}

impl Heartbeat {
    /// Cancelled once the lease is lost; select on it to stop the work the lease protects.
    pub fn lost(&self) -> CancellationToken {
        self.lost.clone()
    }

    pub fn is_lost(&self) -> bool {
        self.lost.is_cancelled()
    }

    /// Stops renewing and waits for the task to finish.
    pub async fn stop(mut self) {
        self.stop.cancel();
        let task = &mut self.task;
        if let Err(err) = task.await {
            tracing::error!(error = %err, "lease heartbeat task failed");
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn ttl_ms(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}
