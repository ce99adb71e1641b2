//! One module per resource; each has `routes()` and an OpenAPI doc merged here.

pub mod agents;
pub mod secret_grants;
pub mod secrets;
pub mod skill_grants;
pub mod skills;

use axum::Router;
use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use utoipa::OpenApi;

use crate::AppState;
use crate::store;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(agents::routes())
        .merge(skills::routes())
        .merge(skill_grants::routes())
        .merge(secrets::routes())
        .merge(secret_grants::routes())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = agents::ApiDoc::openapi();
    doc.merge(skills::ApiDoc::openapi());
    doc.merge(skill_grants::ApiDoc::openapi());
    doc.merge(secrets::ApiDoc::openapi());
    doc.merge(secret_grants::ApiDoc::openapi());
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
