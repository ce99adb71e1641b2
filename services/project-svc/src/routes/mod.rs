//! One module per resource; each has `routes()` and an OpenAPI doc merged here.

use axum::Router;
use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};

use utoipa::OpenApi;

use crate::AppState;
use crate::store;

pub mod dependencies;
pub mod planning;
pub mod ready;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(dependencies::routes())
        .merge(ready::routes())
        .merge(planning::routes())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = dependencies::ApiDoc::openapi();
    doc.merge(ready::ApiDoc::openapi());
    doc.merge(planning::ApiDoc::openapi());
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
