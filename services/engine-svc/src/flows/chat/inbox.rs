//! A session's inbox (`keys.chat_inbox`), its driver state (`keys.chat_state`) and the tenant's
//! set of active sessions (`keys.chat_active`), in Redis.
//!
//! The inbox holds the session's commands in arrival order, one entry each (`kind`, `event`,
//! `data`): `start`, `message`, `stop`, `end`, `model`. The driver works through it from the
//! last id it finished (`done` in the state hash), so a replica taking the session over goes
//! on from exactly there.

use std::collections::HashMap;
use std::time::Duration;

use bus::Keys;
use redis::Script;
use redis::aio::ConnectionManager;
use shared_schemas::ids::TenantId;

/// Inbox entries kept (done ones are only history); commands come at a person's pace.
const INBOX_MAXLEN: usize = 1000;
/// How far back a redelivered event is looked for.
const DEDUPE_WINDOW: usize = 256;
/// A session untouched this long lets its inbox and state expire (a day: the idle reaper ends
/// a runtime long before).
pub const SESSION_TTL: Duration = Duration::from_secs(24 * 3600);

/// Appends unless one of the last entries carries the same event id (a redelivery): the id of
/// the new entry, or `false` for a duplicate.
const APPEND: &str = r"#!lua
-- KEYS: inbox, active set. ARGV: event id, kind, data, maxlen, dedupe window, ttl ms, session.
local recent = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[5])
for _, entry in ipairs(recent) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'event' and fields[i + 1] == ARGV[1] then return false end
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*',
  'kind', ARGV[2], 'event', ARGV[1], 'data', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SADD', KEYS[2], ARGV[7])
return id
";

/// Drops the inbox entries up to `ARGV[1]` (done); when nothing is left, the inbox, the state
/// and the session's place in the active set go too. Returns the entries left.
const FORGET_THROUGH: &str = r"#!lua
-- KEYS: inbox, state, active set. ARGV: last id done, session.
local ms, seq = string.match(ARGV[1], '^(%d+)-(%d+)$')
if ms then redis.call('XTRIM', KEYS[1], 'MINID', ms .. '-' .. (tonumber(seq) + 1)) end
local left = redis.call('XLEN', KEYS[1])
if left == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[2])
end
return left
";

/// One inbox entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEntry {
    pub id: String,
    pub kind: String,
    pub data: String,
}

/// The inbox, state and active set of one tenant's sessions.
#[derive(Clone)]
pub struct Inbox {
    conn: ConnectionManager,
    keys: Keys,
}

impl Inbox {
    pub fn new(conn: ConnectionManager, keys: Keys) -> Self {
        Self { conn, keys }
    }

    /// Adds a command to the session's inbox and the session to the tenant's active set;
    /// `false` when the event was already there.
    pub async fn append(
        &self,
        tenant: &TenantId,
        session: &str,
        event_id: &str,
        kind: &str,
        data: &str,
    ) -> redis::RedisResult<bool> {
        let id: Option<String> = Script::new(APPEND)
            .key(self.keys.chat_inbox(tenant, session))
            .key(self.keys.chat_active(tenant))
            .arg(event_id)
            .arg(kind)
            .arg(data)
            .arg(INBOX_MAXLEN)
            .arg(DEDUPE_WINDOW)
            .arg(ttl_ms())
            .arg(session)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(id.is_some())
    }

    /// Up to `count` entries after `after` (`""`: from the start), oldest first.
    pub async fn after(
        &self,
        tenant: &TenantId,
        session: &str,
        after: &str,
        count: usize,
    ) -> redis::RedisResult<Vec<InboxEntry>> {
        let start = if after.is_empty() {
            "-".to_owned()
        } else {
            format!("({after}")
        };
        let raw: Vec<(String, HashMap<String, String>)> = redis::cmd("XRANGE")
            .arg(self.keys.chat_inbox(tenant, session))
            .arg(start)
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(raw
            .into_iter()
            .map(|(id, mut fields)| InboxEntry {
                id,
                kind: fields.remove("kind").unwrap_or_default(),
                data: fields.remove("data").unwrap_or_default(),
            })
            .collect())
    }

    /// The driver state (empty when the session has none).
    pub async fn state(
        &self,
        tenant: &TenantId,
        session: &str,
    ) -> redis::RedisResult<HashMap<String, String>> {
        redis::cmd("HGETALL")
            .arg(self.keys.chat_state(tenant, session))
            .query_async(&mut self.conn.clone())
            .await
    }

    pub async fn set_state(
        &self,
        tenant: &TenantId,
        session: &str,
        fields: &[(&str, String)],
    ) -> redis::RedisResult<()> {
        let key = self.keys.chat_state(tenant, session);
        redis::pipe()
            .hset_multiple(&key, fields)
            .ignore()
            .pexpire(&key, ttl_ms())
            .ignore()
            .query_async(&mut self.conn.clone())
            .await
    }

    /// Forgets an ended session's commands up to `through` (the last one done). Commands that
    /// arrived after it stay, with the state, for the next driver; with none, the inbox, state
    /// and place in the active set go. Returns how many commands are left.
    pub async fn forget_through(
        &self,
        tenant: &TenantId,
        session: &str,
        through: &str,
    ) -> redis::RedisResult<usize> {
        Script::new(FORGET_THROUGH)
            .key(self.keys.chat_inbox(tenant, session))
            .key(self.keys.chat_state(tenant, session))
            .key(self.keys.chat_active(tenant))
            .arg(through)
            .arg(session)
            .invoke_async(&mut self.conn.clone())
            .await
    }

    /// Forgets a session entirely: its inbox, state and place in the active set.
    pub async fn forget(&self, tenant: &TenantId, session: &str) -> redis::RedisResult<()> {
        redis::pipe()
            .del(self.keys.chat_inbox(tenant, session))
            .ignore()
            .del(self.keys.chat_state(tenant, session))
            .ignore()
            .srem(self.keys.chat_active(tenant), session)
            .ignore()
            .query_async(&mut self.conn.clone())
            .await
    }

    /// Drops `session` from the active set when nothing is left to do (its inbox is gone).
    pub async fn deactivate(&self, tenant: &TenantId, session: &str) -> redis::RedisResult<()> {
        redis::cmd("SREM")
            .arg(self.keys.chat_active(tenant))
            .arg(session)
            .query_async(&mut self.conn.clone())
            .await
    }

    /// The tenant's active sessions.
    pub async fn active(&self, tenant: &TenantId) -> redis::RedisResult<Vec<String>> {
        redis::cmd("SMEMBERS")
            .arg(self.keys.chat_active(tenant))
            .query_async(&mut self.conn.clone())
            .await
    }

    /// Every tenant with an active-session set (SCAN over `keys.chat_active_pattern`).
    pub async fn tenants(&self) -> redis::RedisResult<Vec<TenantId>> {
        let mut conn = self.conn.clone();
        let mut cursor: u64 = 0;
        let mut tenants = Vec::new();
        let pattern = self.keys.chat_active_pattern();
        loop {
            let (next, found): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await?;
            for key in found {
                let probe = TenantId::generate();
                // The key is `{prefix}:t:{tenant}:chat:active`: the tenant is what sits where
                // a probe tenant's id sits in its own key.
                let template = self.keys.chat_active(&probe);
                let (head, tail) = template
                    .split_once(probe.as_str())
                    .unwrap_or((template.as_str(), ""));
                if let Some(id) = key
                    .strip_prefix(head)
                    .and_then(|rest| rest.strip_suffix(tail))
                    && let Ok(tenant) = TenantId::parse(id.to_owned())
                {
                    tenants.push(tenant);
                }
            }
            if next == 0 {
                return Ok(tenants);
            }
            cursor = next;
        }
    }
}

fn ttl_ms() -> i64 {
    i64::try_from(SESSION_TTL.as_millis()).unwrap_or(i64::MAX)
}
