//! Opening a transaction on one agent: the check every per-agent use case starts with.

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext, TokenKind};

use crate::store;

/// A tenant transaction on one of the caller's agents, named by its id or its slug (§6b: the
/// monolith's ids were slugs and its clients still pass them), with the agent's id: 404 when the
/// tenant has no such agent (checked first, so another tenant's ids and slugs never answer
/// anything else), 403 when an agent credential reaches for another agent.
pub async fn open_agent(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<(TenantTx, String), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let agent_id = store::agents::resolve(&mut tx, agent_ref).await?;
    ctx.require_access_to_agent(&agent_id)?;
    Ok((tx, agent_id))
}

/// `open_agent` for changes to what an agent may do (its bot tokens, tools, messaging targets):
/// users and services of the tenant make them, the agent itself may not widen its own reach.
pub async fn open_agent_for_change(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<(TenantTx, String), ApiError> {
    let opened = open_agent(platform, ctx, agent_ref).await?;
    if ctx.kind() == TokenKind::Agent {
        return Err(ApiError::forbidden(
            "an agent cannot change its own channels, tools or messaging permissions",
        ));
    }
    Ok(opened)
}
