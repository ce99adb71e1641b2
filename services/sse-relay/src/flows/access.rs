//! Who may watch what, decided before the first byte is streamed.
//!
//! The tenant is the token's (kit's `StreamTenantContext`). Runs, sessions and swarms are
//! checked by the existence of their stream under the caller's tenant namespace: another
//! tenant's id names no key there, so it answers 404 exactly like an id that exists nowhere,
//! with no call to another service and on any replica. Agents have no stream of their own (their
//! events are in the tenant's stream), so an agent id (or slug) is looked up in agent-svc for
//! the caller's tenant. An agent token watches only its own agent and its own run; a tenant-wide
//! stream is for users and services. Platform logs are for platform administrators only.

use axum::http::StatusCode;
use kit::client::{AgentLookup, ServiceClient};
use kit::{ApiError, TenantContext, TokenKind};
use shared_schemas::ids::{AgentId, RunId, validate_slug};

use crate::AppState;
use crate::store::streams;

fn not_found(what: &str) -> ApiError {
    ApiError::not_found(format!("{what} not found"))
}

fn agent_scope() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "agent_scope",
        "an agent credential streams only its own agent and runs",
    )
}

fn unavailable(err: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %err, "stream source unavailable");
    ApiError::unavailable(
        "stream_unavailable",
        "the event source is unavailable; retry",
    )
}

/// Tenant-wide streams (every run, every agent's lifecycle, …): users and services only.
pub fn tenant_wide(ctx: &TenantContext) -> Result<(), ApiError> {
    match ctx.kind() {
        TokenKind::Agent => Err(agent_scope()),
        TokenKind::User | TokenKind::Service => Ok(()),
    }
}

/// The run's stream key, when the run is the tenant's (and the agent token's own run).
pub async fn run(app: &AppState, ctx: &TenantContext, raw: &str) -> Result<String, ApiError> {
    let run = RunId::parse(raw.to_owned()).map_err(|_| not_found("run"))?;
    if ctx.kind() == TokenKind::Agent && ctx.claims.run_id.as_deref() != Some(run.as_str()) {
        return Err(not_found("run"));
    }
    let key = app.platform.keys.run_events(&ctx.tenant_id, &run);
    match streams::exists(&app.platform.redis, &key).await {
        Ok(true) => Ok(key),
        Ok(false) => Err(not_found("run")),
        Err(err) => Err(unavailable(err)),
    }
}

/// The session's stream key, when the session is the tenant's.
pub async fn session(app: &AppState, ctx: &TenantContext, raw: &str) -> Result<String, ApiError> {
    let key = app.platform.keys.session_stream(&ctx.tenant_id, raw);
    match streams::exists(&app.platform.redis, &key).await {
        Ok(true) => Ok(key),
        Ok(false) => Err(not_found("session")),
        Err(err) => Err(unavailable(err)),
    }
}

/// The swarm's state and progress keys, when the swarm is the tenant's.
pub async fn swarm(
    app: &AppState,
    ctx: &TenantContext,
    raw: &str,
) -> Result<(String, String), ApiError> {
    tenant_wide(ctx)?;
    let keys = &app.platform.keys;
    let (state, progress) = (
        keys.swarm_state(&ctx.tenant_id, raw),
        keys.swarm_progress(&ctx.tenant_id, raw),
    );
    let redis = &app.platform.redis;
    let found = streams::exists(redis, &state).await.map_err(unavailable)?
        || streams::exists(redis, &progress)
            .await
            .map_err(unavailable)?;
    if !found {
        return Err(not_found("swarm"));
    }
    Ok((state, progress))
}

/// Platform logs: platform administrators only (they span every tenant).
pub fn platform_admin(ctx: &TenantContext) -> Result<(), ApiError> {
    if ctx.kind() == TokenKind::User && ctx.claims.platform_admin {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "platform_admin_only",
        "platform logs are for platform administrators only",
    ))
}

/// Looks agents and their chats up in agent-svc (for the caller's tenant, with a service token
/// of it).
#[derive(Clone)]
pub struct AgentSvc {
    lookup: AgentLookup,
    client: ServiceClient,
    base_url: String,
}

impl AgentSvc {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            lookup: AgentLookup::new(client.clone(), base_url),
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The `agt_` id of the tenant's agent `raw` (an id or a slug); `None` when the tenant has
    /// no such agent.
    async fn resolve(&self, ctx: &TenantContext, raw: &str) -> Result<Option<String>, ApiError> {
        let well_formed = if raw.starts_with("agt_") {
            AgentId::parse(raw.to_owned()).is_ok()
        } else {
            validate_slug(raw).is_ok()
        };
        if !well_formed {
            return Ok(None);
        }
        self.lookup
            .find(&ctx.tenant_id, raw)
            .await
            .map_err(unavailable)
    }

    /// Whether `session` is a chat session of the tenant's agent `agent` (agent-svc answers 404
    /// for another agent's session under this agent's path).
    async fn has_chat(
        &self,
        ctx: &TenantContext,
        agent: &str,
        session: &str,
    ) -> Result<bool, ApiError> {
        if !session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Ok(false);
        }
        let res = self
            .client
            .get(format!(
                "{}/v1/agents/{agent}/chat/{session}/status",
                self.base_url
            ))
            .for_tenant(&ctx.tenant_id)
            .send()
            .await
            .map_err(unavailable)?;
        match res.status() {
            StatusCode::NOT_FOUND => Ok(false),
            status if status.is_success() => Ok(true),
            status => Err(unavailable(format!("agent-svc answered {status}"))),
        }
    }
}

/// The chat session's stream key, when the session is a chat of the agent `agent` (an `agt_`
/// id the caller may watch): an agent's path never opens another agent's chat.
pub async fn agent_chat(
    app: &AppState,
    ctx: &TenantContext,
    agent: &str,
    raw: &str,
) -> Result<String, ApiError> {
    if !app.agents.has_chat(ctx, agent, raw).await? {
        return Err(not_found("session"));
    }
    session(app, ctx, raw).await
}

/// The `agt_` id of the tenant's agent `raw`, when the caller may watch it.
pub async fn agent(app: &AppState, ctx: &TenantContext, raw: &str) -> Result<String, ApiError> {
    let id = app
        .agents
        .resolve(ctx, raw)
        .await?
        .ok_or_else(|| not_found("agent"))?;
    if ctx.kind() == TokenKind::Agent && ctx.agent_id() != Some(id.as_str()) {
        return Err(agent_scope());
    }
    Ok(id)
}
