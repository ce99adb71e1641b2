//! Event publishing: the dual publish of spec §3.5.1.
//!
//! Backend workers read one global stream through a consumer group; dashboards read their tenant's
//! copy through the SSE relay, which therefore never filters a shared stream. Both copies (and the
//! run stream when the event belongs to a run) must agree, so they are written by one Lua script.
//!
//! Why a script and not `MULTI`/`EXEC`: a transaction only refuses commands that fail to *queue*
//! (syntax errors). A command that fails while executing — `WRONGTYPE` because something else
//! already lives at the tenant key — fails alone and `EXEC` still runs the others, so the global
//! stream would get an event the tenant never sees. The script checks every key's type before
//! writing anything and is declared with a `#!lua` shebang, which makes Redis refuse it up front
//! under memory pressure instead of failing halfway. The integration tests show both behaviours.
//!
//! Streams are trimmed with `MAXLEN ~`, which removes only whole radix-tree nodes (Redis'
//! `stream-node-max-entries`, 100 by default): a stream may hold up to about that many entries
//! more than `maxlen`, in exchange for trimming that costs nothing.
//!
//! The script touches keys in different hash slots, as a `MULTI` would; the spec shards Redis by
//! function rather than running a cluster (§3.8.2), so this holds.

use redis::Script;
use redis::aio::ConnectionManager;
use serde::Serialize;
use shared_schemas::ids::{RunId, TenantId};

use crate::{BusError, Keys};

/// Field holding the JSON of an event in every stream entry we write.
pub const DATA_FIELD: &str = "data";

const DUAL_PUBLISH: &str = r"#!lua
-- KEYS: the streams to append to, the global stream first.
-- ARGV[1]: approximate maximum length; ARGV[2]: the event JSON.
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'stream' and kind ~= 'none' then
    return redis.error_reply('WRONGTYPE ' .. key .. ' holds a ' .. kind ..
      ', not a stream; the event was written nowhere')
  end
end
local first
for i, key in ipairs(KEYS) do
  local id = redis.call('XADD', key, 'MAXLEN', '~', ARGV[1], '*', 'data', ARGV[2])
  if i == 1 then first = id end
end
return first
";

const BATCH_PUBLISH: &str = r"#!lua
-- A batch of outgoing items, written all or none, in order.
-- ARGV[1]: approximate maximum length of streams; then per item three values:
--   kind ('e' an event for the streams, 'n' a notice for a channel), how many KEYS it uses, JSON.
-- KEYS: each item's keys in turn (an event's streams, a notice's channel).
local k = 1
for i = 2, #ARGV, 3 do
  if ARGV[i] == 'e' then
    for j = k, k + tonumber(ARGV[i + 1]) - 1 do
      local kind = redis.call('TYPE', KEYS[j])['ok']
      if kind ~= 'stream' and kind ~= 'none' then
        return redis.error_reply('WRONGTYPE ' .. KEYS[j] .. ' holds a ' .. kind ..
          ', not a stream; the batch was written nowhere')
      end
    end
  end
  k = k + tonumber(ARGV[i + 1])
end
k = 1
for i = 2, #ARGV, 3 do
  local n = tonumber(ARGV[i + 1])
  for j = k, k + n - 1 do
    if ARGV[i] == 'e' then
      redis.call('XADD', KEYS[j], 'MAXLEN', '~', ARGV[1], '*', 'data', ARGV[i + 2])
    else
      redis.call('PUBLISH', KEYS[j], ARGV[i + 2])
    end
  end
  k = k + n
end
return (#ARGV - 1) / 3
";

/// One item of [`Publisher::publish_batch`]: JSON already serialized.
#[derive(Debug, Clone, Copy)]
pub enum Outgoing<'a> {
    /// An event for the global, tenant (and run) streams.
    Event {
        tenant: &'a TenantId,
        run: Option<&'a RunId>,
        data: &'a str,
    },
    /// A pub/sub message.
    Notice { channel: &'a str, data: &'a str },
}

/// Writes events to Redis streams and pub/sub channels.
///
/// Cheap to clone: the connection manager multiplexes one connection.
#[derive(Clone)]
pub struct Publisher {
    conn: ConnectionManager,
    keys: Keys,
    maxlen: usize,
    script: Script,
    batch: Script,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("prefix", &self.keys.prefix())
            .field("maxlen", &self.maxlen)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    pub fn new(conn: ConnectionManager, keys: Keys, maxlen: usize) -> Self {
        Self {
            conn,
            keys,
            maxlen,
            script: Script::new(DUAL_PUBLISH),
            batch: Script::new(BATCH_PUBLISH),
        }
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Appends `event` to the global stream, the tenant's stream and, when `run` is given, the
    /// run's stream, all or none of them. Returns the id of the global entry.
    ///
    /// The event should carry its own `tenantId` (the envelope of `shared-schemas` does): global
    /// consumers scope their work by it.
    #[tracing::instrument(skip_all, fields(tenant = %tenant, run = run.map(RunId::as_str)))]
    pub async fn publish(
        &self,
        tenant: &TenantId,
        run: Option<&RunId>,
        event: &impl Serialize,
    ) -> Result<String, BusError> {
        let data = serde_json::to_string(event)?;
        self.publish_raw(tenant, run, &data).await
    }

    /// [`publish`](Self::publish) of JSON that is already serialized (the outbox stores the
    /// envelope's JSON and relays it as it was written).
    pub async fn publish_raw(
        &self,
        tenant: &TenantId,
        run: Option<&RunId>,
        data: &str,
    ) -> Result<String, BusError> {
        let mut invocation = self.script.prepare_invoke();
        invocation
            .key(self.keys.global_events())
            .key(self.keys.tenant_events(tenant));
        if let Some(run) = run {
            invocation.key(self.keys.run_events(tenant, run));
        }
        invocation.arg(self.maxlen).arg(data);
        let id: String = invocation.invoke_async(&mut self.conn.clone()).await?;
        tracing::debug!(entry = %id, "event published");
        Ok(id)
    }

    /// Writes `items` in order in one script: every item or none (a key of the wrong type refuses
    /// the whole batch before anything is written). One round trip for the whole batch, which
    /// is what lets the outbox relay keep up with many writers.
    pub async fn publish_batch(&self, items: &[Outgoing<'_>]) -> Result<(), BusError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut invocation = self.batch.prepare_invoke();
        invocation.arg(self.maxlen);
        for item in items {
            match *item {
                Outgoing::Event { tenant, run, data } => {
                    invocation
                        .key(self.keys.global_events())
                        .key(self.keys.tenant_events(tenant));
                    if let Some(run) = run {
                        invocation.key(self.keys.run_events(tenant, run));
                    }
                    invocation
                        .arg("e")
                        .arg(2 + usize::from(run.is_some()))
                        .arg(data);
                }
                Outgoing::Notice { channel, data } => {
                    invocation.key(channel).arg("n").arg(1).arg(data);
                }
            }
        }
        let _: usize = invocation.invoke_async(&mut self.conn.clone()).await?;
        Ok(())
    }

    /// Publishes a platform event to the streams its envelope names (tenant, and run if any).
    pub async fn publish_event(
        &self,
        envelope: &shared_schemas::events::EventEnvelope,
    ) -> Result<String, BusError> {
        self.publish(&envelope.tenant_id, envelope.run_id.as_ref(), envelope)
            .await
    }

    /// Appends a live event of a running agent (token deltas, thinking, tool calls) to the
    /// tenant's stream and the run's stream only. No database change stands behind it and
    /// backend workers have no use for it, so it stays off the global stream they read (spec
    /// §3.5.1): a run streaming thousands of deltas must not flood their consumer groups.
    pub async fn publish_live(
        &self,
        tenant: &TenantId,
        run: &RunId,
        event: &impl Serialize,
    ) -> Result<(), BusError> {
        let data = serde_json::to_string(event)?;
        let mut pipe = redis::pipe();
        pipe.atomic();
        for stream in [
            self.keys.tenant_events(tenant),
            self.keys.run_events(tenant, run),
        ] {
            pipe.cmd("XADD")
                .arg(stream)
                .arg("MAXLEN")
                .arg("~")
                .arg(self.maxlen)
                .arg("*")
                .arg(DATA_FIELD)
                .arg(&data)
                .ignore();
        }
        pipe.query_async::<()>(&mut self.conn.clone()).await?;
        Ok(())
    }

    /// Publishes `message` as JSON on a pub/sub channel (run commands, invalidations, triggers).
    /// Returns how many subscribers received it; pub/sub keeps nothing for absent subscribers.
    #[tracing::instrument(skip(self, message))]
    pub async fn publish_channel(
        &self,
        channel: &str,
        message: &impl Serialize,
    ) -> Result<usize, BusError> {
        let data = serde_json::to_string(message)?;
        self.publish_channel_raw(channel, &data).await
    }

    /// [`publish_channel`](Self::publish_channel) of a message that is already JSON.
    pub async fn publish_channel_raw(&self, channel: &str, data: &str) -> Result<usize, BusError> {
        let receivers: usize = redis::cmd("PUBLISH")
            .arg(channel)
            .arg(data)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(receivers)
    }
}
