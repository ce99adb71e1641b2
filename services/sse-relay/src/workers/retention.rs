//! Retention by age: every tenant and run event stream loses its entries older than
//! `SSE_RETENTION_HOURS` (24), on top of the `MAXLEN ~` the publishers trim by. A stream key is
//! never expired (that would drop a live stream), only trimmed with `XTRIM MINID ~` (whole
//! radix-tree nodes, so nearly free); a client resuming from a trimmed id gets `stream_reset`.
//! Every replica trims on its own interval: trimming is idempotent, and one `SCAN` pass per
//! interval is cheap next to the streams' traffic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kit::Platform;
use tokio_util::sync::CancellationToken;

/// Keys looked at per `SCAN` step.
const SCAN_COUNT: usize = 500;

/// Trims every tenant event stream to entries younger than `max_age`; returns the entries
/// removed.
pub async fn trim_once(platform: &Platform, max_age: Duration) -> redis::RedisResult<u64> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let oldest_kept = now.saturating_sub(max_age).as_millis();
    let pattern = platform.keys.tenant_event_streams_pattern();
    let mut conn = platform.redis.clone();
    let mut cursor: u64 = 0;
    let mut removed = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .arg("TYPE")
            .arg("stream")
            .query_async(&mut conn)
            .await?;
        for key in keys.iter().filter(|k| !k.ends_with(":dead")) {
            let n: u64 = redis::cmd("XTRIM")
                .arg(key)
                .arg("MINID")
                .arg("~")
                .arg(format!("{oldest_kept}-0"))
                .query_async(&mut conn)
                .await?;
            removed += n;
        }
        if next == 0 {
            return Ok(removed);
        }
        cursor = next;
    }
}

/// Trims every `every` until `shutdown`.
pub fn spawn(platform: Platform, max_age: Duration, every: Duration, shutdown: CancellationToken) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            match trim_once(&platform, max_age).await {
                Ok(removed) => tracing::debug!(removed, "event streams trimmed by age"),
                Err(err) => tracing::warn!(error = %err, "trimming event streams failed"),
            }
        }
    });
}
