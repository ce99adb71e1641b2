//! Moving tasks on the board: `move` (column and place in the order), `claim` (an agent takes
//! the task) and `transition` (a status change that moves the task to its column). Workflow
//! policies (stage rules) are not applied here: `transition` maps a status to a column only.

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::task_moves::{
    ClaimResponse, ClaimTaskRequest, MoveResponse, MoveTaskRequest, TransitionResponse,
    TransitionTaskRequest,
};
use crate::flows::tasks as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(move_task))
        .routes(routes!(claim))
        .routes(routes!(transition))
}

/// Moves a task between columns of its project or within one, keeping every column's
/// positions dense; the status follows the target column. TASK_MOVED (+ TASK_STATUS_CHANGED).
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/move", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = MoveTaskRequest,
    responses((status = 200, body = MoveResponse), (status = 404), (status = 409), (status = 422)))]
async fn move_task(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<MoveTaskRequest>,
) -> Result<Json<MoveResponse>, ApiError> {
    Ok(Json(
        flow::move_task(&platform, &ctx, &project_id, &task_id, req).await?,
    ))
}

/// Assigns the task to an agent unless another agent holds it (409 `already_claimed`);
/// claimable statuses come from the project's semantics (400 `not_claimable`). TASK_CLAIMED.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/claim", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = ClaimTaskRequest,
    responses((status = 200, body = ClaimResponse), (status = 400), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn claim(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<ClaimTaskRequest>,
) -> Result<Json<ClaimResponse>, ApiError> {
    Ok(Json(
        flow::claim(&platform, &ctx, &project_id, &task_id, req).await?,
    ))
}

/// Sets a task's status and moves it to the first column carrying it (unless its own does).
/// TASK_STATUS_CHANGED (+ TASK_MOVED).
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/transition",
    tag = "tasks", params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = TransitionTaskRequest,
    responses((status = 200, body = TransitionResponse), (status = 404), (status = 409),
        (status = 422)))]
async fn transition(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<TransitionTaskRequest>,
) -> Result<Json<TransitionResponse>, ApiError> {
    Ok(Json(
        flow::transition(&platform, &ctx, &project_id, &task_id, req).await?,
    ))
}
