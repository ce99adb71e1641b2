//! One module per resource; each declares its routes with their OpenAPI in `routes()`.

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

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::store;

/// Every route of the service with its OpenAPI operation, declared once in its resource's file.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
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
