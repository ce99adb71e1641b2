//! Taking over the run lease of a dead replica. Its lease would otherwise block the run's next
//! attempt for the rest of its TTL after the replica died mid-step. The takeover is safe because
//! of the fencing token: the new holder's token is higher, so should the "dead" replica only
//! have been paused, its writes are refused.

use redis::Script;
use redis::aio::ConnectionManager;

use crate::runtimes::Runtimes;

/// Deletes the lease at `key` if `holder` still holds it (compare and delete).
const BREAK: &str = r"#!lua
-- KEYS: lease. ARGV: the dead holder.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Breaks the lease at `key` when its holder (another instance) has no liveness key; `true`
/// when it was broken, so the caller may acquire it at once.
pub async fn break_if_dead(
    runtimes: &Runtimes,
    conn: &ConnectionManager,
    key: &str,
) -> redis::RedisResult<bool> {
    let holder: Option<String> = redis::cmd("GET")
        .arg(key)
        .query_async(&mut conn.clone())
        .await?;
    let Some(holder) = holder else {
        return Ok(false);
    };
    if holder == runtimes.instance_id() || runtimes.liveness().is_alive(&holder).await? {
        return Ok(false);
    }
    let deleted: i64 = Script::new(BREAK)
        .key(key)
        .arg(&holder)
        .invoke_async(&mut conn.clone())
        .await?;
    if deleted == 1 {
        tracing::info!(key, holder, "took over the run lease of a dead replica");
    }
    Ok(deleted == 1)
}
