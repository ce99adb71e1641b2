//! The container registry (spec §3.8.3B): one Redis hash per run at `keys.container(run)`, no
//! TTL, so every replica can see which runtime serves a run, which instance owns it, and which
//! step attempt it was started for. Field names are the spec's (`containerId`, `status`,
//! `agentId`, `tenantId`, `runId`, `createdAt`, `instanceId`) plus `pid`, `backend`, `stepId`,
//! `attempt`, `sessionId` (a chat runtime's session), `exitCode`, `exitedAt`, `lastStreamId` (how far the runtime's stream was read)
//! and `reaper` (the instance cleaning a dead owner's entry up).

use std::collections::HashMap;

use bus::Keys;
use redis::Script;
use redis::aio::ConnectionManager;
use shared_schemas::ids::{AgentId, RunId, TenantId};

/// `status` values.
pub mod status {
    /// Written before the backend is asked, so a crash mid-start leaves a trace.
    pub const STARTING: &str = "starting";
    pub const RUNNING: &str = "running";
    /// The runtime ended (exit code in `exitCode`).
    pub const EXITED: &str = "exited";
    /// The owner stopped it while draining: the step goes back to the others.
    pub const HANDED_BACK: &str = "handed-back";
}

/// One registry entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub run: RunId,
    pub tenant: TenantId,
    pub agent: AgentId,
    pub container_id: String,
    pub backend: String,
    pub status: String,
    pub instance: String,
    pub pid: Option<u32>,
    pub created_at: u64,
    pub step_id: Option<String>,
    pub attempt: Option<i32>,
    /// Set for a chat session's runtime (`RuntimeKind::ChatSession`).
    pub session_id: Option<String>,
    pub exit_code: Option<i32>,
    pub exited_at: Option<u64>,
    pub last_stream_id: Option<String>,
    pub reaper: Option<String>,
}

impl Entry {
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("runId", self.run.to_string()),
            ("tenantId", self.tenant.to_string()),
            ("agentId", self.agent.to_string()),
            ("containerId", self.container_id.clone()),
            ("backend", self.backend.clone()),
            ("status", self.status.clone()),
            ("instanceId", self.instance.clone()),
            ("createdAt", self.created_at.to_string()),
        ];
        let optional = [
            ("pid", self.pid.map(|p| p.to_string())),
            ("stepId", self.step_id.clone()),
            ("attempt", self.attempt.map(|a| a.to_string())),
            ("sessionId", self.session_id.clone()),
            ("exitCode", self.exit_code.map(|c| c.to_string())),
            ("exitedAt", self.exited_at.map(|t| t.to_string())),
            ("lastStreamId", self.last_stream_id.clone()),
            ("reaper", self.reaper.clone()),
        ];
        fields.extend(
            optional
                .into_iter()
                .filter_map(|(name, value)| value.map(|v| (name, v))),
        );
        fields
    }

    /// `None` when the hash is not a readable entry (missing or invalid ids).
    fn from_hash(mut hash: HashMap<String, String>) -> Option<Self> {
        let mut take = |name: &str| hash.remove(name).filter(|v| !v.is_empty());
        Some(Self {
            run: RunId::parse(take("runId")?).ok()?,
            tenant: TenantId::parse(take("tenantId")?).ok()?,
            agent: AgentId::parse(take("agentId")?).ok()?,
            container_id: take("containerId").unwrap_or_default(),
            backend: take("backend").unwrap_or_default(),
            status: take("status").unwrap_or_default(),
            instance: take("instanceId")?,
            pid: take("pid").and_then(|v| v.parse().ok()),
            created_at: take("createdAt").and_then(|v| v.parse().ok()).unwrap_or(0),
            step_id: take("stepId"),
            attempt: take("attempt").and_then(|v| v.parse().ok()),
            session_id: take("sessionId"),
            exit_code: take("exitCode").and_then(|v| v.parse().ok()),
            exited_at: take("exitedAt").and_then(|v| v.parse().ok()),
            last_stream_id: take("lastStreamId"),
            reaper: take("reaper"),
        })
    }
}

/// Sets fields only while `instanceId` still names the caller, so an instance that lost a run
/// to a new owner cannot overwrite the new owner's entry.
const SET_IF_OWNER: &str = r"#!lua
-- KEYS: entry. ARGV: instance, then field/value pairs.
if redis.call('HGET', KEYS[1], 'instanceId') ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
";

const DELETE_IF_OWNER: &str = r"#!lua
-- KEYS: entry. ARGV: instance.
if redis.call('HGET', KEYS[1], 'instanceId') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
";

/// Takes the clean-up of an entry: free, or its reaper is `ARGV[2]` (seen dead by the caller).
const CLAIM: &str = r"#!lua
-- KEYS: entry. ARGV: claimant, the reaper the caller saw ('' for none).
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], 'reaper') or ''
if current ~= ARGV[2] and current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'reaper', ARGV[1])
return 1
";

/// The registry, over the engine's shared connection.
#[derive(Clone)]
pub struct Registry {
    conn: ConnectionManager,
    keys: Keys,
}

impl Registry {
    pub fn new(conn: ConnectionManager, keys: Keys) -> Self {
        Self { conn, keys }
    }

    /// Writes the whole entry (its previous fields are dropped).
    pub async fn put(&self, entry: &Entry) -> redis::RedisResult<()> {
        let key = self.keys.container(&entry.run);
        redis::pipe()
            .atomic()
            .del(&key)
            .hset_multiple(&key, &entry.fields())
            .query_async::<()>(&mut self.conn.clone())
            .await
    }

    pub async fn get(&self, run: &RunId) -> redis::RedisResult<Option<Entry>> {
        let hash: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.keys.container(run))
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(Entry::from_hash(hash))
    }

    /// Updates `fields` of `run`'s entry if `instance` still owns it; `false` otherwise.
    pub async fn set_if_owner(
        &self,
        run: &RunId,
        instance: &str,
        fields: &[(&str, String)],
    ) -> redis::RedisResult<bool> {
        let script = Script::new(SET_IF_OWNER);
        let mut invocation = script.key(self.keys.container(run));
        invocation.arg(instance);
        for (name, value) in fields {
            invocation.arg(*name).arg(value);
        }
        let set: i64 = invocation.invoke_async(&mut self.conn.clone()).await?;
        Ok(set == 1)
    }

    /// Records that a run's runtime now serves another step attempt.
    pub async fn set_step(
        &self,
        run: &RunId,
        instance: &str,
        step_id: &str,
        attempt: i32,
    ) -> redis::RedisResult<bool> {
        let fields = [
            ("stepId", step_id.to_owned()),
            ("attempt", attempt.to_string()),
        ];
        self.set_if_owner(run, instance, &fields).await
    }

    /// How far the runtime's stream has been read, for whoever takes the run over.
    pub async fn set_last_stream_id(
        &self,
        run: &RunId,
        instance: &str,
        id: &str,
    ) -> redis::RedisResult<bool> {
        self.set_if_owner(run, instance, &[("lastStreamId", id.to_owned())])
            .await
    }

    pub async fn delete_if_owner(&self, run: &RunId, instance: &str) -> redis::RedisResult<bool> {
        let deleted: i64 = Script::new(DELETE_IF_OWNER)
            .key(self.keys.container(run))
            .arg(instance)
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(deleted == 1)
    }

    /// Deletes whoever owns it (the reconciler, after claiming it).
    pub async fn delete(&self, run: &RunId) -> redis::RedisResult<()> {
        redis::cmd("DEL")
            .arg(self.keys.container(run))
            .query_async::<()>(&mut self.conn.clone())
            .await
    }

    /// Makes `me` the one cleaning `run`'s entry up, unless another live reaper has it.
    /// `seen_reaper` is the reaper the caller read and found dead (or `None`).
    pub async fn claim(
        &self,
        run: &RunId,
        me: &str,
        seen_reaper: Option<&str>,
    ) -> redis::RedisResult<bool> {
        let claimed: i64 = Script::new(CLAIM)
            .key(self.keys.container(run))
            .arg(me)
            .arg(seen_reaper.unwrap_or(""))
            .invoke_async(&mut self.conn.clone())
            .await?;
        Ok(claimed == 1)
    }

    /// Every entry (SCAN over `keys.containers_pattern()`); unreadable hashes are returned by
    /// key so the reconciler can delete them.
    pub async fn scan(&self) -> redis::RedisResult<(Vec<Entry>, Vec<String>)> {
        let mut conn = self.conn.clone();
        let pattern = self.keys.containers_pattern();
        let mut cursor: u64 = 0;
        let mut keys = Vec::new();
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await?;
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        let (mut entries, mut broken) = (Vec::new(), Vec::new());
        for key in keys {
            let hash: HashMap<String, String> = redis::cmd("HGETALL")
                .arg(&key)
                .query_async(&mut conn)
                .await?;
            if hash.is_empty() {
                continue; // deleted between SCAN and HGETALL
            }
            match Entry::from_hash(hash) {
                Some(entry) => entries.push(entry),
                None => broken.push(key),
            }
        }
        Ok((entries, broken))
    }

    /// Deletes a key `scan` could not read.
    pub async fn delete_key(&self, key: &str) -> redis::RedisResult<()> {
        redis::cmd("DEL")
            .arg(key)
            .query_async::<()>(&mut self.conn.clone())
            .await
    }
}
