//! One module per resource; each declares its routes with their OpenAPI (`routes()`), merged here.

pub mod agent_config;
pub mod agents;
pub mod channels;
pub mod inbox;
pub mod lifecycle;
pub mod llm_calls;
pub mod messaging;
pub mod providers;
pub mod pulse_agent;
pub mod pulse_routine_types;
pub mod pulse_routines;
pub mod pulse_types;
pub mod pulses;
pub mod queue;
pub mod sandbox;
pub mod secret_grants;
pub mod secrets;
pub mod settings;
pub mod shares;
pub mod skill_grants;
pub mod skills;
pub mod support;
pub mod templates;
pub mod tools;
pub mod user_providers;

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext, TokenKind};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::store;

/// Every route of the service with its OpenAPI operation, each declared once in its file.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(agents::routes())
        .merge(templates::routes())
        .merge(agent_config::routes())
        .merge(sandbox::routes())
        .merge(lifecycle::routes())
        .merge(channels::routes())
        .merge(tools::routes())
        .merge(messaging::routes())
        .merge(queue::routes())
        .merge(inbox::routes())
        .merge(pulse_routines::routes())
        .merge(pulses::routes())
        .merge(pulse_agent::routes())
        .merge(settings::routes())
        .merge(providers::routes())
        .merge(user_providers::routes())
        .merge(shares::routes())
        .merge(llm_calls::routes())
        .merge(skills::routes())
        .merge(skill_grants::routes())
        .merge(secrets::routes())
        .merge(secret_grants::routes())
}

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
