//! Running tasks: request a run of one task (with a pipeline, or as one agent), of every ready
//! task, or a planning run; and hear from engine-svc that a task's run ended. Users request
//! runs; engine-svc reports their end. See flows::execution.

use axum::Json;
use axum::extract::{Path, State};
use kit::auth::scope::{ServiceOnly, UserOnly};
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, Platform};
use shared_schemas::runs::RunEnded;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::execution::{
    ExecuteAgentRequest, ExecuteTaskRequest, Executing, PlanProjectRequest, Planning,
    ReadyExecuted, ReadyQuery, RunEndQuery,
};
use crate::flows::execution as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(execute))
        .routes(routes!(execute_agent))
        .routes(routes!(execute_ready))
        .routes(routes!(run_completed))
        .routes(routes!(plan))
}

/// Requests a run of the task with its pipeline: the one named, else the workflow named, else
/// the task's workflow, else the first workflow whose filter selects it, else the default
/// workflow, else the project's default pipeline (422 `no_pipeline` when there is none).
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/execute",
    tag = "execution", params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = Option<ExecuteTaskRequest>,
    responses((status = 200, body = Executing), (status = 404), (status = 409), (status = 422)))]
async fn execute(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((project_id, task_id)): Path<(String, String)>,
    body: Option<ValidJson<ExecuteTaskRequest>>,
) -> Result<Json<Executing>, ApiError> {
    let req = body.map(|b| b.0).unwrap_or_default();
    let run = flow::execute(&platform, &ctx, &project_id, &task_id, req).await?;
    Ok(Json(run))
}

/// Requests a run of the task as one agent of the project (pipeline `execute`); the task is
/// assigned to it.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/execute-agent",
    tag = "execution", params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = ExecuteAgentRequest,
    responses((status = 200, body = Executing), (status = 404), (status = 409), (status = 422)))]
async fn execute_agent(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<ExecuteAgentRequest>,
) -> Result<Json<Executing>, ApiError> {
    let run = flow::execute_agent(&platform, &ctx, &project_id, &task_id, req).await?;
    Ok(Json(run))
}

/// Requests runs of the ready tasks (startable status, every `blocks` predecessor done), most
/// urgent first, one per busy agent.
#[utoipa::path(post, path = "/v1/projects/{project_id}/execute-ready", tag = "execution",
    params(("project_id" = String, Path), ReadyQuery),
    responses((status = 200, body = ReadyExecuted), (status = 404), (status = 422)))]
async fn execute_ready(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(project_id): Path<String>,
    ValidQuery(q): ValidQuery<ReadyQuery>,
) -> Result<Json<ReadyExecuted>, ApiError> {
    let batch = flow::execute_ready(&platform, &ctx, &project_id, q.limit()?).await?;
    Ok(Json(batch))
}

/// engine-svc reports that a run of the task ended: the task takes its project's first done
/// (or failed) status and column. A repeated report changes nothing.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/run-completed",
    tag = "execution", params(("project_id" = String, Path), ("task_id" = String, Path), RunEndQuery),
    responses((status = 200, body = RunEnded), (status = 403), (status = 404), (status = 422)))]
async fn run_completed(
    State(platform): State<Platform>,
    ServiceOnly(ctx): ServiceOnly,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidQuery(report): ValidQuery<RunEndQuery>,
) -> Result<Json<RunEnded>, ApiError> {
    let ended = flow::run_ended(&platform, &ctx, &project_id, &task_id, report.into()).await?;
    Ok(Json(ended))
}

/// Requests a planning pipeline over the project (its name and description are the task); the
/// engine imports the breakdown when the run completes. Nothing is stored here.
#[utoipa::path(post, path = "/v1/projects/{project_id}/plan", tag = "execution",
    params(("project_id" = String, Path)), request_body = Option<PlanProjectRequest>,
    responses((status = 200, body = Planning), (status = 404), (status = 422)))]
async fn plan(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(project_id): Path<String>,
    body: Option<ValidJson<PlanProjectRequest>>,
) -> Result<Json<Planning>, ApiError> {
    let req = body.map(|b| b.0).unwrap_or_default();
    Ok(Json(flow::plan(&platform, &ctx, &project_id, req).await?))
}
