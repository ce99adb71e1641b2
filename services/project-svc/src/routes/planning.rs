//! Planning views and input (contract §1.2 projects/planning): the Gantt timeline computed from
//! the dependency graph, and the bulk import of a planner's task breakdown. (`plan`, which
//! starts a planning run in engine-svc, lives with the other run starters.)

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::dependencies::{CycleBody, GraphError};
use crate::api::planning::{ImportRequest, ImportResponse, TimelineQuery, TimelineResponse};
use crate::config::ProjectConfig;
use crate::flows::planning as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(timeline))
        .routes(routes!(import_tasks))
}

/// Forward scheduling from the project's creation: a done task spans created → completed;
/// any other starts when the last task blocking it ends and lasts its estimate (4 hours when
/// absent) at `hours_per_day` working hours per calendar day. The critical path runs back from
/// the task that ends last through the blocker that ends last.
#[utoipa::path(get, path = "/v1/projects/{project_id}/timeline", tag = "projects",
    params(("project_id" = String, Path), TimelineQuery),
    responses((status = 200, body = TimelineResponse), (status = 404), (status = 422)))]
async fn timeline(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidQuery(query): ValidQuery<TimelineQuery>,
) -> Result<Json<TimelineResponse>, ApiError> {
    let hours_per_day = query.hours_per_day()?;
    let timeline = flow::timeline(&platform, &ctx, &project_id, hours_per_day).await?;
    Ok(Json(timeline))
}

/// Imports a task breakdown into the backlog column in one transaction: all tasks and their
/// `blocks` edges, or nothing (a cycle among them is 409 `dependency_cycle` naming it by
/// titles; a reference to no task of the import is 422; 409 `task_limit_reached` or
/// `dependency_limit_reached` when the project could not hold them all). Publishes
/// TASKS_IMPORTED.
#[utoipa::path(post, path = "/v1/projects/{project_id}/import", tag = "projects",
    params(("project_id" = String, Path)), request_body = ImportRequest,
    responses((status = 201, body = ImportResponse), (status = 404),
        (status = 409, body = CycleBody), (status = 422)))]
async fn import_tasks(
    State(platform): State<Platform>,
    State(config): State<Arc<ProjectConfig>>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(body): ValidJson<ImportRequest>,
) -> Result<(StatusCode, Json<ImportResponse>), GraphError> {
    let limits = config.as_ref().into();
    let imported = flow::import_tasks(&platform, &ctx, &project_id, body, limits).await?;
    Ok((StatusCode::CREATED, Json(imported)))
}
