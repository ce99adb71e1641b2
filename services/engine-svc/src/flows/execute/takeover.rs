//! Taking over the run lease of a dead replica. Its lease would otherwise block the run's next
//! attempt for the rest of its TTL after the replica died mid-step. The takeover is safe because
//! of the fencing token: the new holder's token is higher, so should the "dead" replica only
//! have been paused, its writes are refused.

use bus::lease;
use redis::aio::ConnectionManager;

use crate::runtimes::Runtimes;

/// Breaks the lease at `key` when its holder (another instance) has no liveness key; `true`
/// when it was broken, so the caller may acquire it at once.
pub async fn break_if_dead(
    runtimes: &Runtimes,
    conn: &ConnectionManager,
    key: &str,
) -> Result<bool, bus::BusError> {
    let Some(holder) = lease::holder_of(conn, key).await? else {
        return Ok(false);
    };
    if holder == runtimes.instance_id() || runtimes.liveness().is_alive(&holder).await? {
        return Ok(false);
    }
    let broken = lease::break_held_by(conn, key, &holder).await?;
    if broken {
        tracing::info!(key, holder, "took over the run lease of a dead replica");
    }
    Ok(broken)
}
