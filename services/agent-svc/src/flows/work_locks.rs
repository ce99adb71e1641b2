//! Work locks: an agent's runtimes (its pipeline steps, chats and pulses running side by side)
//! claim a piece of work under a key before doing it, so two of them never do it twice. The
//! locks live in the agent's hash `keys.agent_work_locks` (lock id = key → JSON entry), which
//! the fleet, lifecycle and work-ledger views read, dropping expired entries.
//!
//! Taking a lock is one Lua script: an expired entry is dropped and taken over, a live entry of
//! another holder (another run or chat session) is refused with the entry, the same holder
//! renews its own. Each change goes to the tenant's event stream as WORK_LOCK_ACQUIRED or
//! WORK_LOCK_RELEASED; no database row changes, so it is published directly, not through the
//! outbox.

use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde_json::{Value, json};
use shared_schemas::events::chat::WorkLockChanged;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::AgentId;

use crate::api::work_locks::{AcquireWorkLock, DEFAULT_TTL_SECONDS, check_key};
use crate::domain::validate::finish;
use crate::flows::access::open_agent;
use crate::store;

/// Live locks one agent may hold at once.
pub const MAX_LIVE_LOCKS: usize = 64;

/// KEYS[1] the agent's lock hash. ARGV: lock id, new entry, holder, now, expiry, max live.
/// Returns `{1}` taken, `{0, entry}` held by another, `{2}` too many.
const ACQUIRE: &str = r"
local now = tonumber(ARGV[4])
local function s(v) if type(v) == 'string' then return v end return '' end
local entries = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 1, #entries, 2 do
  local ok, e = pcall(cjson.decode, entries[i + 1])
  local exp = nil
  if ok and type(e) == 'table' then exp = tonumber(e.expiresAt) end
  if exp ~= nil and exp <= now then
    redis.call('HDEL', KEYS[1], entries[i])
  elseif entries[i] == ARGV[1] then
    local holder = ''
    if ok and type(e) == 'table' then holder = s(e.runId) .. '\n' .. s(e.sessionId) end
    if holder ~= ARGV[3] then return {0, entries[i + 1]} end
  else
    live = live + 1
  end
end
if live >= tonumber(ARGV[6]) then return {2, ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local want = tonumber(ARGV[5]) - now
if redis.call('PTTL', KEYS[1]) < want then redis.call('PEXPIRE', KEYS[1], want) end
return {1, ''}
";

/// How an acquire ended.
#[derive(Debug)]
pub enum Acquired {
    Taken {
        lock_id: String,
        expires_at: i64,
    },
    /// Another live holder has it: its entry.
    Held(Value),
}

pub async fn acquire(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    req: AcquireWorkLock,
) -> Result<Acquired, ApiError> {
    let agent = agent_of(platform, ctx, agent_ref).await?;
    // An agent token is its run's: the holder is that run whatever the body says.
    let run_id = match ctx.kind() {
        TokenKind::Agent => ctx.claims.run_id.clone().or(req.run_id),
        _ => req.run_id,
    };
    let now = platform.clock.now_ms();
    let ttl_ms =
        i64::try_from(req.ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS) * 1000).unwrap_or(i64::MAX);
    let expires_at = now.saturating_add(ttl_ms);
    let mut entry = json!({"acquiredAt": now, "expiresAt": expires_at});
    for (field, value) in [
        ("runId", &run_id),
        ("stepId", &req.step_id),
        ("sessionId", &req.session_id),
        ("summary", &req.summary),
    ] {
        if let Some(value) = value {
            entry[field] = value.clone().into();
        }
    }
    let holder = format!(
        "{}\n{}",
        run_id.as_deref().unwrap_or_default(),
        req.session_id.as_deref().unwrap_or_default()
    );
    let key = platform.keys.agent_work_locks(&ctx.tenant_id, &agent);
    let (code, held): (i64, String) = redis::Script::new(ACQUIRE)
        .key(key)
        .arg(&req.key)
        .arg(entry.to_string())
        .arg(holder)
        .arg(now)
        .arg(expires_at)
        .arg(MAX_LIVE_LOCKS)
        .invoke_async(&mut platform.redis.clone())
        .await?;
    match code {
        1 => {}
        0 => {
            let holder = serde_json::from_str(&held).unwrap_or(Value::Null);
            return Ok(Acquired::Held(holder));
        }
        _ => {
            return Err(ApiError::conflict(
                "too_many_work_locks",
                format!("the agent holds {MAX_LIVE_LOCKS} live work locks; release one first"),
            ));
        }
    }
    let change = WorkLockChanged {
        agent_id: agent,
        lock_id: req.key.clone(),
        summary: req.summary,
        step_id: req.step_id,
        session_id: req.session_id,
        expires_at: Some(expires_at),
    };
    publish(platform, ctx, Event::WorkLockAcquired(change)).await?;
    Ok(Acquired::Taken {
        lock_id: req.key,
        expires_at,
    })
}

/// Removes the agent's lock `lock_id`; `false` when it held none (nothing is published then).
pub async fn release(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    lock_id: &str,
) -> Result<bool, ApiError> {
    let mut errors = Vec::new();
    check_key(lock_id, &mut errors);
    finish(errors).map_err(ApiError::validation)?;
    let agent = agent_of(platform, ctx, agent_ref).await?;
    let key = platform.keys.agent_work_locks(&ctx.tenant_id, &agent);
    let removed: i64 = redis::cmd("HDEL")
        .arg(key)
        .arg(lock_id)
        .query_async(&mut platform.redis.clone())
        .await?;
    if removed == 0 {
        return Ok(false);
    }
    let change = WorkLockChanged {
        agent_id: agent,
        lock_id: lock_id.to_owned(),
        summary: None,
        step_id: None,
        session_id: None,
        expires_at: None,
    };
    publish(platform, ctx, Event::WorkLockReleased(change)).await?;
    Ok(true)
}

/// The agent (id or slug) of the caller's tenant: 404 for another tenant's, 403 for an agent
/// token naming another agent.
async fn agent_of(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<AgentId, ApiError> {
    let (tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    tx.commit().await?;
    AgentId::parse(agent_id).map_err(|_| store::agents::not_found())
}

async fn publish(platform: &Platform, ctx: &TenantContext, event: Event) -> Result<(), ApiError> {
    let envelope = EventEnvelope::new(ctx.tenant_id.clone(), None, event);
    platform
        .publisher()
        .publish_event(&envelope)
        .await
        .map_err(ApiError::internal)?;
    Ok(())
}
