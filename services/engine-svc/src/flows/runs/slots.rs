//! A tenant's running-run slots: a Redis sorted set of run ids scored by lease expiry (epoch
//! ms). Taking a slot first drops expired entries, so a slot whose holder died without giving it
//! back heals once its lease passes; the admission sweep renews the slots of runs still active.

use kit::{ApiError, Platform};
use redis::Script;
use shared_schemas::ids::TenantId;

/// What asking for a slot gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A new slot was taken for the run.
    Added,
    /// The run held one already (renewed).
    Held,
    /// The tenant's slots are all taken.
    Full,
}

const ACQUIRE: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  return 2
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  return 1
end
return 0
";

/// Takes (or renews) a slot for `run` when fewer than `limit` live slots are held.
pub async fn acquire(
    platform: &Platform,
    tenant: &TenantId,
    run: &str,
    limit: i64,
    lease_ms: i64,
) -> Result<Slot, ApiError> {
    let key = platform.keys.tenant_run_slots(tenant);
    acquire_in(platform, &key, run, limit, lease_ms).await
}

/// Takes (or renews) a slot for `member` in the slot set `key` (the same rules for every
/// bounded set: runs, pulse sessions).
pub async fn acquire_in(
    platform: &Platform,
    key: &str,
    member: &str,
    limit: i64,
    lease_ms: i64,
) -> Result<Slot, ApiError> {
    let now = platform.clock.now_ms();
    let mut conn = platform.redis.clone();
    let got: i64 = Script::new(ACQUIRE)
        .key(key)
        .arg(now)
        .arg(now + lease_ms)
        .arg(limit)
        .arg(member)
        .invoke_async(&mut conn)
        .await
        .map_err(ApiError::internal)?;
    Ok(match got {
        1 => Slot::Added,
        2 => Slot::Held,
        _ => Slot::Full,
    })
}

/// Gives the run's slot back.
pub async fn release(platform: &Platform, tenant: &TenantId, run: &str) -> Result<(), ApiError> {
    release_in(platform, &platform.keys.tenant_run_slots(tenant), run).await
}

/// Gives `member`'s slot in `key` back.
pub async fn release_in(platform: &Platform, key: &str, member: &str) -> Result<(), ApiError> {
    let mut conn = platform.redis.clone();
    redis::cmd("ZREM")
        .arg(key)
        .arg(member)
        .query_async::<i64>(&mut conn)
        .await
        .map(drop)
        .map_err(ApiError::internal)
}

/// Extends the slot of an active run (re-adding it if it had expired: the database says the
/// run is running, so it holds a slot).
pub async fn renew(
    platform: &Platform,
    tenant: &TenantId,
    run: &str,
    lease_ms: i64,
) -> Result<(), ApiError> {
    let mut conn = platform.redis.clone();
    redis::cmd("ZADD")
        .arg(platform.keys.tenant_run_slots(tenant))
        .arg(platform.clock.now_ms() + lease_ms)
        .arg(run)
        .query_async::<i64>(&mut conn)
        .await
        .map(drop)
        .map_err(ApiError::internal)
}

/// Runs holding a live slot.
pub async fn held(platform: &Platform, tenant: &TenantId) -> Result<Vec<String>, ApiError> {
    let mut conn = platform.redis.clone();
    redis::cmd("ZRANGEBYSCORE")
        .arg(platform.keys.tenant_run_slots(tenant))
        .arg(platform.clock.now_ms())
        .arg("+inf")
        .query_async(&mut conn)
        .await
        .map_err(ApiError::internal)
}
