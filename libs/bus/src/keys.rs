//! The only place a Redis key or channel name is spelled.
//!
//! Names follow the spec (§3.5, §3.5.1, §3.7.1, §3.8.3, §3.8.5). Tenant data lives under
//! `{prefix}:t:{tenant}:…`; the few names the spec keeps outside a tenant namespace (the global
//! event stream, the run lock, the container registry, instance bookkeeping) carry the tenant as a
//! segment where the spec puts one there. The prefix defaults to `djinnbot` and is configurable so
//! tests (and several installations sharing a Redis) cannot see each other's keys.

use std::fmt::Write as _;

use shared_schemas::ids::{AgentId, RunId, TenantId};

pub const DEFAULT_PREFIX: &str = "djinnbot";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Default for Keys {
    fn default() -> Self {
        Self::new(DEFAULT_PREFIX)
    }
}

impl Keys {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn global(&self, rest: &str) -> String {
        format!("{}:{rest}", self.prefix)
    }

    fn tenant(&self, tenant: &TenantId, rest: &str) -> String {
        format!("{}:t:{tenant}:{rest}", self.prefix)
    }

    // ── events (§3.5, §3.5.1) ────────────────────────────────────────────────────────────────

    /// The one stream every backend worker reads; each entry carries its `tenantId`.
    pub fn global_events(&self) -> String {
        self.global("events:global")
    }

    /// The tenant's copy of the global stream, read by the SSE relay.
    pub fn tenant_events(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "events:global")
    }

    pub fn run_events(&self, tenant: &TenantId, run: &RunId) -> String {
        self.tenant(tenant, &format!("events:run:{run}"))
    }

    /// Consumer group of engine workers on the global stream.
    pub fn engine_workers_group(&self) -> String {
        self.global("cg:engine-workers")
    }

    /// Consumer group of the engine's step executors on the global stream (`STEP_QUEUED`): a
    /// purpose of its own, so a slow step never holds up run requests and deletions.
    pub fn engine_executors_group(&self) -> String {
        self.global("cg:engine-executors")
    }

    /// Where entries go after too many failed deliveries from `stream`.
    pub fn dead_letter(&self, stream: &str) -> String {
        format!("{stream}:dead")
    }

    // ── run control (§3.5) ───────────────────────────────────────────────────────────────────

    pub fn run_commands(&self, tenant: &TenantId, run: &RunId) -> String {
        self.tenant(tenant, &format!("run:{run}:commands"))
    }

    pub fn run_status(&self, tenant: &TenantId, run: &RunId) -> String {
        self.tenant(tenant, &format!("run:{run}:status"))
    }

    /// The one stream a runtime writes everything to (output, events, status; ARCHITECTURE §6),
    /// so an engine replica that takes a run over reads on from where the last reader stopped.
    pub fn run_runtime(&self, tenant: &TenantId, run: &RunId) -> String {
        self.tenant(tenant, &format!("run:{run}:runtime"))
    }

    /// A run's step logs (the runtime process's stdout and stderr), a capped stream the engine
    /// writes; outside the run's own namespace so the runtime's Redis user cannot forge lines.
    pub fn run_logs(&self, tenant: &TenantId, run: &RunId) -> String {
        self.tenant(tenant, &format!("engine:run-logs:{run}"))
    }

    pub fn mcp_grants_changed(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "mcp:grants-changed")
    }

    pub fn tools_overrides_changed(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "tools:overrides-changed")
    }

    /// An agent's channel tokens changed (`{agentId, channel}`): bridges reconnect that bot.
    pub fn channel_credentials_changed(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "channel:credentials-changed")
    }

    /// An agent's outbound messaging targets changed: runtimes drop their cached allow-list.
    pub fn messaging_permissions_changed(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "messaging-permissions:changed")
    }

    pub fn webhooks_github(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "webhooks:github")
    }

    // ── MCP process ownership (§3.7.1) ───────────────────────────────────────────────────────

    pub fn mcp_lease(&self, tenant: &TenantId, server: &str) -> String {
        self.global(&format!("mcp:lease:{tenant}:{}", segment(server)))
    }

    pub fn mcp_endpoint(&self, tenant: &TenantId, server: &str) -> String {
        self.global(&format!("mcp:endpoint:{tenant}:{}", segment(server)))
    }

    pub fn mcp_last_used(&self, tenant: &TenantId, server: &str) -> String {
        self.global(&format!("mcp:last-used:{tenant}:{}", segment(server)))
    }

    pub fn mcp_process_count(&self, instance: &str) -> String {
        self.global(&format!("mcp:process-count:{}", segment(instance)))
    }

    // ── engine scaling (§3.8.3) ──────────────────────────────────────────────────────────────

    /// Run ids are globally unique, so the spec keeps the run lock outside the tenant namespace.
    pub fn run_lock(&self, run: &RunId) -> String {
        self.global(&format!("lock:run:{run}"))
    }

    pub fn container(&self, run: &RunId) -> String {
        self.global(&format!("containers:{run}"))
    }

    /// SCAN pattern matching every container registry entry.
    pub fn containers_pattern(&self) -> String {
        self.global("containers:*")
    }

    pub fn pipeline_cache(&self, tenant: &TenantId, pipeline: &str) -> String {
        self.global(&format!("pipeline-cache:{tenant}:{}", segment(pipeline)))
    }

    /// A counter bumped on every change of a tenant's pipeline (`tenant` given) or of a global
    /// one (`None`). A cache entry remembers the counters it was read under, so an entry filled
    /// from a read that raced a change is never served.
    pub fn pipeline_generation(&self, tenant: Option<&TenantId>, pipeline: &str) -> String {
        let owner = tenant.map_or("global", TenantId::as_str);
        self.global(&format!("pipeline-cache:gen:{owner}:{}", segment(pipeline)))
    }

    pub fn pipeline_invalidate(&self) -> String {
        self.global("pipeline:invalidate")
    }

    /// Liveness of one engine replica (a key with a short TTL its heartbeat renews); the
    /// reconciler treats a runtime whose owner has none as orphaned.
    pub fn engine_instance(&self, instance: &str) -> String {
        self.global(&format!("engine:instance:{}", segment(instance)))
    }

    /// SCAN pattern matching every engine replica's liveness key.
    pub fn engine_instances_pattern(&self) -> String {
        self.global("engine:instance:*")
    }

    /// A tenant's running-run slots: a sorted set of run ids scored by lease expiry (ms), so a
    /// slot held by a dead replica heals when its score passes.
    pub fn tenant_run_slots(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "engine:run-slots")
    }

    /// SCAN pattern of a tenant's run event streams (removed when the tenant is deleted).
    pub fn tenant_run_events_pattern(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "events:run:*")
    }

    /// SCAN pattern of the engine's own keys of a tenant (run slots, step logs).
    pub fn tenant_engine_pattern(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "engine:*")
    }

    // ── Slack partitions (§3.8.5) ────────────────────────────────────────────────────────────

    pub fn slack_instances(&self) -> String {
        self.global("slack:instances")
    }

    pub fn slack_heartbeat(&self, instance: &str) -> String {
        self.global(&format!("slack:heartbeat:{}", segment(instance)))
    }

    pub fn slack_assignment(&self, tenant: &TenantId, agent: &AgentId) -> String {
        self.global(&format!("slack:assignment:{tenant}:{agent}"))
    }

    pub fn slack_rebalance_trigger(&self) -> String {
        self.global("slack:rebalance-trigger")
    }

    // ── platform plumbing (ours) ─────────────────────────────────────────────────────────────

    /// Fixed-window request counter of one tenant.
    pub fn rate_limit(&self, tenant: &TenantId, window: u64) -> String {
        self.tenant(tenant, &format!("ratelimit:{window}"))
    }

    /// Stored response of a POST carrying `Idempotency-Key` (the key is hashed by the caller).
    pub fn idempotency(&self, tenant: &TenantId, key_hash: &str) -> String {
        self.tenant(tenant, &format!("idempotency:{}", segment(key_hash)))
    }

    /// Cached tenant status (active | suspended | deleted) checked on every request.
    pub fn tenant_status(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "status")
    }

    /// Waitlist sign-ups from one client address in the current window (auth-svc).
    pub fn waitlist_join_ip(&self, ip: &str) -> String {
        self.global(&format!("auth:waitlist-join:ip:{}", segment(ip)))
    }

    /// Resolved claims of an API key, keyed by the key's SHA-256 (never the key itself). The
    /// tenant is unknown until the key is resolved, so the name sits outside any tenant.
    pub fn api_key_cache(&self, key_hash: &str) -> String {
        self.global(&format!("auth:api-key:{}", segment(key_hash)))
    }

    /// Set when a user was demoted, deactivated or deleted: the instant (epoch ms) before which
    /// its access tokens are refused (kit::auth::denylist); expires with the longest token.
    pub fn user_denied(&self, tenant: &TenantId, user: &str) -> String {
        self.tenant(tenant, &format!("auth:denied:{}", segment(user)))
    }

    /// Requests of one kind (`scope`: register, login, refresh, login-account) from one client
    /// address bucket or account in one fixed window (auth-svc throttles before argon2).
    pub fn auth_throttle(&self, scope: &str, bucket: &str, window: u64) -> String {
        self.global(&format!(
            "auth:throttle:{}:{}:{window}",
            segment(scope),
            segment(bucket)
        ))
    }

    /// Set while `bucket` (a client address) has signed in to the account (a hash of the
    /// email): such an address passes the account's lockout with the right password.
    pub fn login_known_address(&self, account_hash: &str, bucket: &str) -> String {
        self.global(&format!(
            "auth:known-address:{}:{}",
            segment(account_hash),
            segment(bucket)
        ))
    }

    /// PKCE verifier and provider of an OIDC login in flight.
    pub fn oidc_state(&self, state: &str) -> String {
        self.global(&format!("oidc:state:{}", segment(state)))
    }

    /// A signed-in user's one-time ticket to link an OIDC identity to their account.
    pub fn oidc_link(&self, ticket: &str) -> String {
        self.global(&format!("oidc:link:{}", segment(ticket)))
    }

    /// Failed logins from one client address in the current window (auth-svc brute-force guard).
    pub fn login_failures_ip(&self, ip: &str) -> String {
        self.global(&format!("auth:login-failures:ip:{}", segment(ip)))
    }

    /// Failed logins for one account (keyed by a hash of the email, so unknown emails count too).
    pub fn login_failures_account(&self, account_hash: &str) -> String {
        self.global(&format!(
            "auth:login-failures:account:{}",
            segment(account_hash)
        ))
    }

    /// Set while an account is locked after too many failures; its TTL is the lockout left.
    pub fn login_lockout(&self, account_hash: &str) -> String {
        self.global(&format!("auth:lockout:{}", segment(account_hash)))
    }

    /// Set once a pending-TOTP token has completed a login (keyed by its `jti`, kept until the
    /// token would expire anyway), so the token cannot be used a second time.
    pub fn pending_totp_used(&self, jti: &str) -> String {
        self.global(&format!("auth:pending-totp-used:{}", segment(jti)))
    }

    /// Monotonic counter handing out fencing tokens for the lease at `lease_key`.
    pub fn fence(&self, lease_key: &str) -> String {
        format!("{lease_key}:fence")
    }

    // ── agents (agent-svc reads what the engine's runtimes record) ─────────────────────────────

    /// Consumer group of agent-svc's activity recorder on the global stream.
    pub fn agent_activity_group(&self) -> String {
        self.global("cg:agent-activity")
    }

    /// Consumer group of project-svc's clean-up of deleted agents on the global stream.
    pub fn project_cleanup_group(&self) -> String {
        self.global("cg:project-cleanup")
    }

    /// Consumer group of engine-svc's reports of run ends to project-svc on the global stream.
    pub fn engine_reports_group(&self) -> String {
        self.global("cg:engine-reports")
    }

    // ── memory (memory-svc) ─────────────────────────────────────────────────────────────────────

    /// Consumer group of memory-svc's clean-up of deleted agents' and tenants' vaults on the
    /// global stream.
    pub fn memory_cleanup_group(&self) -> String {
        self.global("cg:memory-cleanup")
    }

    /// Hash of an agent's live work locks: lock id → JSON `{runId, stepId, summary, acquiredAt,
    /// expiresAt}`, one per parallel instance working for the agent.
    pub fn agent_work_locks(&self, tenant: &TenantId, agent: &AgentId) -> String {
        self.tenant(tenant, &format!("agent:{agent}:work-locks"))
    }

    /// Counter of an agent's wake-ups on one UTC day (`YYYY-MM-DD`), for the wake guardrails.
    pub fn agent_wakes(&self, tenant: &TenantId, agent: &AgentId, day: &str) -> String {
        self.tenant(tenant, &format!("agent:{agent}:wakes:{}", segment(day)))
    }
}

/// Escapes a free-form segment so it cannot add separators or glob characters to a key.
/// Everything outside `[A-Za-z0-9_.-]` becomes `%XX`.
fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

mod chat;
mod streams;

#[cfg(test)]
mod tests;
