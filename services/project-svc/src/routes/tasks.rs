//! `/v1/projects/{project_id}/tasks[/{task_id}]`: a project's tasks (contract §1.2
//! projects/tasks). camelCase requests, snake_case rows, as the reference. Any credential of
//! the tenant (user, agent, service JWT) reads and writes, as the reference's `bearer` routes;
//! deleting is for users and services.
//! Moves, claims and transitions are in [`super::task_moves`].

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::tasks::{CreateTaskRequest, Deleted, ListQuery, TaskDetail, UpdateTaskRequest};
use crate::config::ProjectConfig;
use crate::domain::tasks::Task;
use crate::flows::tasks as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}

/// The project's tasks in board order (column position, then place in the column).
#[utoipa::path(get, path = "/v1/projects/{project_id}/tasks", tag = "tasks",
    params(("project_id" = String, Path), ListQuery),
    responses((status = 200, body = [Task],
        headers(("X-Total-Count" = i64), ("Link" = String, description = "the next page, while more follow"))),
        (status = 404), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> Result<(HeaderMap, Json<Vec<Task>>), ApiError> {
    let (page, filters) = (q.page(), q.filters());
    let (tasks, total) = flow::list(&platform, &ctx, &project_id, q).await?;
    let path = format!("/v1/projects/{project_id}/tasks");
    Ok((page.headers(&path, &filters, total), Json(tasks)))
}

/// Creates a task at the end of its column; TASK_CREATED. 409 `task_limit_reached` when the
/// project already holds `MAX_TASKS_PER_PROJECT` tasks.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks", tag = "tasks",
    params(("project_id" = String, Path)), request_body = CreateTaskRequest,
    responses((status = 201, body = Task), (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    State(config): State<Arc<ProjectConfig>>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(req): ValidJson<CreateTaskRequest>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let task = flow::create(&platform, &ctx, &project_id, req, config.as_ref().into()).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[utoipa::path(get, path = "/v1/projects/{project_id}/tasks/{task_id}", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = TaskDetail), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
) -> Result<Json<TaskDetail>, ApiError> {
    let detail = flow::detail(&platform, &ctx, &project_id, &task_id).await?;
    Ok(Json(detail))
}

/// Changes fields; TASK_UPDATED, and TASK_STATUS_CHANGED (+ TASK_MOVED) for a new status.
#[utoipa::path(put, path = "/v1/projects/{project_id}/tasks/{task_id}", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = UpdateTaskRequest,
    responses((status = 200, body = Task), (status = 404), (status = 409), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<UpdateTaskRequest>,
) -> Result<Json<Task>, ApiError> {
    let task = flow::update(&platform, &ctx, &project_id, &task_id, req).await?;
    Ok(Json(task))
}

/// Deletes the task with its dependency edges and run history; announced as TASK_UPDATED
/// (there is no TASK_DELETED event type). Users and services only: 403 for an agent.
#[utoipa::path(delete, path = "/v1/projects/{project_id}/tasks/{task_id}", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = Deleted), (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
) -> Result<Json<Deleted>, ApiError> {
    flow::delete(&platform, &ctx, &project_id, &task_id).await?;
    Ok(Json(Deleted { status: "deleted" }))
}
