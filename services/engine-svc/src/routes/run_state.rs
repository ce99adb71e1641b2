//! `/v1/runs/{run_id}/…` state the reference engine wrote over HTTP (CONTRACTS §1.5 RS): loop
//! state, outputs, step rows; plus step restart and context injection, and a task's runs.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::runs::{ExecutorRuns, InjectRequest, LimitQuery, RestartRequest, RunStatusAnswer};
use crate::api::steps::{
    CreateLoopStateRequest, CreateStepRequest, LoopAdvanced, LoopItemUpdated, LoopStateView,
    OutputSet, SetOutputRequest, StepView, StepsQuery, UpdateLoopItemRequest, UpdateStepRequest,
};
use crate::flows::runs::{control, read};
use crate::flows::steps::state;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_loop))
        .routes(routes!(get_loop))
        .routes(routes!(patch_item))
        .routes(routes!(advance))
        .routes(routes!(get_outputs, put_output))
        .routes(routes!(list_steps, create_step))
        .routes(routes!(patch_step))
        .routes(routes!(restart_step))
        .routes(routes!(inject))
        .routes(routes!(executor_runs))
}

/// Creates or replaces the loop state of a step.
#[utoipa::path(post, path = "/v1/runs/{run_id}/loop-state", tag = "runs",
    params(("run_id" = String, Path)), request_body = CreateLoopStateRequest,
    responses((status = 200, body = LoopStateView), (status = 404), (status = 422)))]
async fn put_loop(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    ValidJson(body): ValidJson<CreateLoopStateRequest>,
) -> Result<Json<LoopStateView>, ApiError> {
    Ok(Json(
        state::put_loop(&app, &ctx.tenant_id, &run_id, body).await?,
    ))
}

#[utoipa::path(get, path = "/v1/runs/{run_id}/loop-state/{step_id}", tag = "runs",
    params(("run_id" = String, Path), ("step_id" = String, Path)),
    responses((status = 200, body = LoopStateView), (status = 404)))]
async fn get_loop(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id)): Path<(String, String)>,
) -> Result<Json<LoopStateView>, ApiError> {
    Ok(Json(
        state::get_loop(&app, &ctx.tenant_id, &run_id, &step_id).await?,
    ))
}

#[utoipa::path(patch, path = "/v1/runs/{run_id}/loop-state/{step_id}/items/{item_id}", tag = "runs",
    params(("run_id" = String, Path), ("step_id" = String, Path), ("item_id" = String, Path)),
    request_body = UpdateLoopItemRequest,
    responses((status = 200, body = LoopItemUpdated), (status = 404), (status = 422)))]
async fn patch_item(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id, item_id)): Path<(String, String, String)>,
    ValidJson(body): ValidJson<UpdateLoopItemRequest>,
) -> Result<Json<LoopItemUpdated>, ApiError> {
    let updated =
        state::patch_item(&app, &ctx.tenant_id, &run_id, &step_id, &item_id, &body).await?;
    Ok(Json(updated))
}

/// Moves the loop to its next pending item; `next_item` is null when none is left.
#[utoipa::path(post, path = "/v1/runs/{run_id}/loop-state/{step_id}/advance", tag = "runs",
    params(("run_id" = String, Path), ("step_id" = String, Path)),
    responses((status = 200, body = LoopAdvanced), (status = 404)))]
async fn advance(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id)): Path<(String, String)>,
) -> Result<Json<LoopAdvanced>, ApiError> {
    Ok(Json(
        state::advance(&app, &ctx.tenant_id, &run_id, &step_id).await?,
    ))
}

/// Every output the run accumulated, by key.
#[utoipa::path(get, path = "/v1/runs/{run_id}/outputs", tag = "runs",
    params(("run_id" = String, Path)),
    responses((status = 200, body = BTreeMap<String, String>), (status = 404)))]
async fn get_outputs(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<BTreeMap<String, String>>, ApiError> {
    Ok(Json(state::outputs(&app, &ctx.tenant_id, &run_id).await?))
}

#[utoipa::path(put, path = "/v1/runs/{run_id}/outputs", tag = "runs",
    params(("run_id" = String, Path)), request_body = SetOutputRequest,
    responses((status = 200, body = OutputSet), (status = 404), (status = 422)))]
async fn put_output(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    ValidJson(body): ValidJson<SetOutputRequest>,
) -> Result<Json<OutputSet>, ApiError> {
    state::set_output(&app, &ctx.tenant_id, &run_id, &body).await?;
    Ok(Json(OutputSet {
        run_id,
        key: body.key,
        value: body.value,
    }))
}

#[utoipa::path(get, path = "/v1/runs/{run_id}/steps", tag = "runs",
    params(("run_id" = String, Path), StepsQuery),
    responses((status = 200, body = [StepView]), (status = 404)))]
async fn list_steps(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    ValidQuery(q): ValidQuery<StepsQuery>,
) -> Result<Json<Vec<StepView>>, ApiError> {
    Ok(Json(
        state::steps(&app, &ctx.tenant_id, &run_id, q.status.as_deref()).await?,
    ))
}

/// Adds a step row to the run (409 `step_exists`).
#[utoipa::path(post, path = "/v1/runs/{run_id}/steps", tag = "runs",
    params(("run_id" = String, Path)), request_body = CreateStepRequest,
    responses((status = 200, body = StepView), (status = 404), (status = 409), (status = 422)))]
async fn create_step(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    ValidJson(body): ValidJson<CreateStepRequest>,
) -> Result<Json<StepView>, ApiError> {
    Ok(Json(
        state::create_step(&app, &ctx.tenant_id, &run_id, &body).await?,
    ))
}

#[utoipa::path(patch, path = "/v1/runs/{run_id}/steps/{step_id}", tag = "runs",
    params(("run_id" = String, Path), ("step_id" = String, Path)), request_body = UpdateStepRequest,
    responses((status = 200, body = StepView), (status = 404), (status = 422)))]
async fn patch_step(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpdateStepRequest>,
) -> Result<Json<StepView>, ApiError> {
    Ok(Json(
        state::patch_step(&app, &ctx.tenant_id, &run_id, &step_id, &body).await?,
    ))
}

/// Runs the step again with `[HUMAN RESTART] context` in its prompt.
#[utoipa::path(post, path = "/v1/runs/{run_id}/steps/{step_id}/restart", tag = "runs",
    params(("run_id" = String, Path), ("step_id" = String, Path)), request_body = Option<RestartRequest>,
    responses((status = 200, body = RunStatusAnswer), (status = 404), (status = 409)))]
async fn restart_step(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id)): Path<(String, String)>,
    body: Option<ValidJson<RestartRequest>>,
) -> Result<Json<RunStatusAnswer>, ApiError> {
    let context = body.and_then(|b| b.0.context);
    let run =
        control::restart_step(&app, &ctx.tenant_id, &run_id, &step_id, context.as_deref()).await?;
    Ok(Json(RunStatusAnswer {
        run_id: run.id,
        status: run.status,
    }))
}

/// Adds `[ADDITIONAL CONTEXT] context` to the step's next prompt (HUMAN_INTERVENTION).
#[utoipa::path(post, path = "/v1/runs/{run_id}/steps/{step_id}/inject", tag = "runs",
    params(("run_id" = String, Path), ("step_id" = String, Path)), request_body = InjectRequest,
    responses((status = 200, body = RunStatusAnswer), (status = 404), (status = 409), (status = 422)))]
async fn inject(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<InjectRequest>,
) -> Result<Json<RunStatusAnswer>, ApiError> {
    let run = control::inject(&app, &ctx.tenant_id, &run_id, &step_id, &body.context).await?;
    Ok(Json(RunStatusAnswer {
        run_id: run.id,
        status: run.status,
    }))
}

/// The runs of one task, newest first (`limit` default 10).
#[utoipa::path(get, path = "/v1/runs/projects/{project_id}/tasks/{task_id}/executor-runs", tag = "runs",
    params(("project_id" = String, Path), ("task_id" = String, Path), LimitQuery),
    responses((status = 200, body = ExecutorRuns), (status = 422)))]
async fn executor_runs(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidQuery(q): ValidQuery<LimitQuery>,
) -> Result<Json<ExecutorRuns>, ApiError> {
    let runs = read::of_task(
        &app,
        &ctx.tenant_id,
        &project_id,
        &task_id,
        q.limit.unwrap_or(10),
    )
    .await?;
    Ok(Json(ExecutorRuns {
        count: runs.len(),
        project_id,
        task_id,
        runs,
    }))
}
