//! Dependencies between a project's tasks (contract §1.2 projects/dependencies): add and remove
//! edges, and the whole graph for visualisation. The graph of all edges stays acyclic: an edge
//! that would close a cycle is refused with 409 `dependency_cycle` naming the cycle.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::dependencies::{
    AddDependencyRequest, CycleBody, DependencyResponse, GraphError, GraphResponse,
};
use crate::config::ProjectConfig;
use crate::flows::dependencies as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add))
        .routes(routes!(remove))
        .routes(routes!(graph))
}

/// Adds "`fromTaskId` must complete before `task_id`"; 404 for a task of another project,
/// 409 `dependency_exists`, `dependency_cycle` or `dependency_limit_reached` (the project
/// holds `MAX_DEPENDENCIES_PER_PROJECT` edges).
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/dependencies",
    tag = "projects", request_body = AddDependencyRequest,
    params(("project_id" = String, Path), ("task_id" = String, Path, description = "the task that waits")),
    responses((status = 201, body = DependencyResponse), (status = 404), (status = 409, body = CycleBody),
        (status = 422)))]
async fn add(
    State(platform): State<Platform>,
    State(config): State<Arc<ProjectConfig>>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<AddDependencyRequest>,
) -> Result<(StatusCode, Json<DependencyResponse>), GraphError> {
    let limits = config.as_ref().into();
    let edge = flow::add(&platform, &ctx, &project_id, &task_id, body, limits).await?;
    Ok((StatusCode::CREATED, Json(edge.into())))
}

/// Removes a dependency that `task_id` waits on (or that waits on `task_id`).
#[utoipa::path(delete, path = "/v1/projects/{project_id}/tasks/{task_id}/dependencies/{dep_id}",
    tag = "projects",
    params(("project_id" = String, Path), ("task_id" = String, Path), ("dep_id" = String, Path)),
    responses((status = 200, description = "`{\"status\": \"removed\"}`"), (status = 404)))]
async fn remove(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id, dep_id)): Path<(String, String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    flow::remove(&platform, &ctx, &project_id, &task_id, &dep_id).await?;
    Ok(Json(serde_json::json!({ "status": "removed" })))
}

/// The project's tasks and dependencies, a topological order and the critical path.
#[utoipa::path(get, path = "/v1/projects/{project_id}/dependency-graph", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = GraphResponse), (status = 404)))]
async fn graph(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<GraphResponse>, ApiError> {
    Ok(Json(flow::graph(&platform, &ctx, &project_id).await?))
}
