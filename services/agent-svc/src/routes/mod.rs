//! One module per resource; each has `routes()` and an OpenAPI doc merged here.

pub mod agents;
pub mod pulse_agent;
pub mod pulse_routine_types;
pub mod pulse_routines;
pub mod pulse_types;
pub mod pulses;

use axum::Router;
use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use utoipa::OpenApi;

use crate::AppState;
use crate::store;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(agents::routes())
        .merge(pulse_routines::routes())
        .merge(pulses::routes())
        .merge(pulse_agent::routes())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = agents::ApiDoc::openapi();
    doc.merge(pulse_routines::ApiDoc::openapi());
    doc.merge(pulses::ApiDoc::openapi());
    doc.merge(pulse_agent::ApiDoc::openapi());
    doc
}

/// A tenant transaction on one of the caller's agents: 404 when the tenant has no such agent
/// (checked first, so another tenant's ids never answer anything else), 403 when an agent
/// credential reaches for another agent.
pub async fn open_agent(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<TenantTx, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    store::agents::require(&mut tx, agent_id).await?;
    ctx.require_access_to_agent(agent_id)?;
    Ok(tx)
}
