//! One module per resource; each has `routes()` and an OpenAPI doc merged here.

pub mod columns;
pub mod dependencies;
pub mod execution;
pub mod onboarding;
pub mod planning;
pub mod project_agents;
pub mod project_create;
pub mod project_settings;
pub mod projects;
pub mod ready;
pub mod task_moves;
pub mod tasks;
pub mod templates;
pub mod workflows;

use axum::Router;
use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use utoipa::OpenApi;

use crate::AppState;
use crate::store;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(projects::routes())
        .merge(project_settings::routes())
        .merge(columns::routes())
        .merge(tasks::routes())
        .merge(task_moves::routes())
        .merge(dependencies::routes())
        .merge(ready::routes())
        .merge(planning::routes())
        .merge(workflows::routes())
        .merge(project_agents::routes())
        .merge(execution::routes())
        .merge(templates::routes())
        .merge(onboarding::routes())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = projects::ApiDoc::openapi();
    doc.merge(project_settings::ApiDoc::openapi());
    doc.merge(columns::ApiDoc::openapi());
    doc.merge(tasks::ApiDoc::openapi());
    doc.merge(task_moves::ApiDoc::openapi());
    doc.merge(dependencies::ApiDoc::openapi());
    doc.merge(ready::ApiDoc::openapi());
    doc.merge(planning::ApiDoc::openapi());
    doc.merge(workflows::ApiDoc::openapi());
    doc.merge(project_agents::ApiDoc::openapi());
    doc.merge(project_agents::routines::ApiDoc::openapi());
    doc.merge(execution::ApiDoc::openapi());
    doc.merge(execution::EndsApiDoc::openapi());
    doc.merge(templates::ApiDoc::openapi());
    doc.merge(onboarding::ApiDoc::openapi());
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
