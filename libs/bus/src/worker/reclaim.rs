//! Taking over idle entries, dead-lettering and leaving the group.

use redis::aio::ConnectionManager;
use redis::streams::{StreamAutoClaimOptions, StreamAutoClaimReply, StreamPendingCountReply};
use redis::{AsyncCommands, Script};

use super::{Delivery, StreamEntry, Worker};
use crate::BusError;

/// Cursor that starts (and, when returned, ends) a scan of the pending entries.
pub(super) const START: &str = "0-0";

/// A failing `redis.call` aborts the script, and the `XADD` is its first write: the entry is
/// never acknowledged without having been kept (`MULTI` would run the `XACK` even when the
/// `XADD` failed on a wrong-typed key).
const BURY: &str = r"#!lua
-- KEYS: dead-letter stream, source stream. ARGV: group, entry id, then field/value pairs.
redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
return redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
";

/// Deletes the consumer only when nothing is pending for it: `XGROUP DELCONSUMER` drops the
/// consumer's pending entries, which would lose them. In a script so no claim slips in between.
const LEAVE: &str = r"#!lua
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending > 0 then
  return -1
end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
";

impl Worker {
    /// Claims up to one batch of entries idle for longer than `reclaim_idle`, starting at
    /// `cursor`. Returns the cursor for the next call (`START` once the scan is complete).
    pub(super) async fn reclaim(
        &self,
        conn: &mut ConnectionManager,
        cursor: &str,
    ) -> Result<(String, Vec<Delivery>), BusError> {
        let idle_ms = u64::try_from(self.reclaim_idle.as_millis()).unwrap_or(u64::MAX);
        let options = StreamAutoClaimOptions::default().count(self.batch_size);
        let reply: StreamAutoClaimReply = conn
            .xautoclaim_options(
                &self.stream,
                &self.group,
                &self.consumer,
                idle_ms,
                cursor,
                options,
            )
            .await?;
        if !reply.deleted_ids.is_empty() {
            tracing::warn!(
                ids = ?reply.deleted_ids,
                "pending entries were trimmed from the stream before anyone handled them"
            );
        }
        if reply.claimed.is_empty() {
            return Ok((reply.next_stream_id, Vec::new()));
        }

        // XAUTOCLAIM does not report delivery counts; XPENDING over each id's range does.
        let mut pipe = redis::pipe();
        for raw in &reply.claimed {
            pipe.cmd("XPENDING")
                .arg(&self.stream)
                .arg(&self.group)
                .arg(&raw.id)
                .arg(&raw.id)
                .arg(1);
        }
        let pending: Vec<StreamPendingCountReply> = pipe.query_async(conn).await?;
        let deliveries: Vec<Delivery> = reply
            .claimed
            .into_iter()
            .zip(pending)
            .filter_map(|(raw, pending)| {
                // Gone or owned by someone else: its previous owner finished it or another worker
                // claimed it in the meantime. Either way it is not ours to handle.
                let info = pending
                    .ids
                    .into_iter()
                    .find(|info| info.consumer == self.consumer)?;
                Some(Delivery {
                    entry: StreamEntry::from_redis(raw),
                    deliveries: u64::try_from(info.times_delivered).unwrap_or(u64::MAX),
                })
            })
            .collect();
        if !deliveries.is_empty() {
            tracing::info!(count = deliveries.len(), "took over idle entries");
        }
        Ok((reply.next_stream_id, deliveries))
    }

    /// Moves an entry to the dead-letter stream and acknowledges it, all or nothing.
    pub(super) async fn bury(
        &self,
        conn: &mut ConnectionManager,
        entry: &StreamEntry,
        deliveries: u64,
        error: Option<String>,
    ) {
        let script = Script::new(BURY);
        let mut invocation = script.prepare_invoke();
        invocation
            .key(&self.dead_letter)
            .key(&self.stream)
            .arg(&self.group)
            .arg(&entry.id);
        for (name, value) in &entry.fields {
            invocation.arg(name).arg(value);
        }
        invocation
            .arg("source_stream")
            .arg(&self.stream)
            .arg("source_id")
            .arg(&entry.id)
            .arg("deliveries")
            .arg(deliveries);
        if let Some(error) = &error {
            invocation.arg("error").arg(error);
        }
        match invocation.invoke_async::<i64>(conn).await {
            Ok(_) => tracing::error!(
                dead_letter = %self.dead_letter,
                error = error.as_deref().unwrap_or("unknown"),
                "entry moved to the dead-letter stream"
            ),
            Err(err) => tracing::error!(
                error = %err,
                "moving the entry to the dead-letter stream failed; it stays pending"
            ),
        }
    }

    /// Removes this consumer from the group when it holds nothing, so restarts (a new pid each
    /// time) do not pile up dead consumers in `XINFO CONSUMERS`.
    pub(super) async fn leave(&self, conn: &mut ConnectionManager) {
        let left: redis::RedisResult<i64> = Script::new(LEAVE)
            .key(&self.stream)
            .arg(&self.group)
            .arg(&self.consumer)
            .invoke_async(conn)
            .await;
        match left {
            Ok(-1) => tracing::debug!("entries still pending; consumer kept for reclaiming"),
            Ok(_) => tracing::debug!("consumer left the group"),
            Err(err) => tracing::debug!(error = %err, "could not leave the consumer group"),
        }
    }
}
