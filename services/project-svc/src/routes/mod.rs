//! One module per resource; each has `routes()` and an OpenAPI doc merged here.

use axum::Router;
use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};

use crate::AppState;
use crate::store;

pub mod execution;
pub mod project_agents;
pub mod workflows;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(workflows::routes())
        .merge(project_agents::routes())
        .merge(execution::routes())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = workflows::ApiDoc::openapi();
    doc.merge(project_agents::ApiDoc::openapi());
    doc.merge(project_agents::routines::ApiDoc::openapi());
    doc.merge(execution::ApiDoc::openapi());
    doc.merge(execution::EndsApiDoc::openapi());
    doc
}

/// A tenant transaction on one of the caller's projects: 404 `project_not_found` when the
/// tenant has no such project, whoever else has one by that id.
pub async fn open_project(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<TenantTx, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    store::projects::require(&mut tx, project_id).await?;
    Ok(tx)
}
