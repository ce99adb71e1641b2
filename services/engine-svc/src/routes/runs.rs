//! `/v1/runs`: start, list, read, change and control runs (CONTRACTS §1.5 R).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::runs::{
    BulkDeleteQuery, BulkDeleted, ListRunsQuery, LogEntry, RestartRequest, Resumed, RunDetail,
    RunStarted, RunStatusAnswer, RunSummary, RunUpdatedAnswer, StartRunRequest, UpdateRunRequest,
};
use crate::flows::runs::{control, delete, read, start};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list, bulk_delete))
        .routes(routes!(get_one, patch_one, delete_one))
        .routes(routes!(cancel))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(restart))
        .routes(routes!(logs))
}

fn total_header(total: i64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&total.to_string()) {
        headers.insert("x-total-count", value);
    }
    headers
}

/// Starts a run of a pipeline (the tenant's own or a global one): 404 `pipeline_not_found`,
/// 422 `agent_not_found` naming a pipeline agent slug the tenant has no agent for. The run is
/// `queued` until one of the tenant's run slots is free, then `running`.
#[utoipa::path(post, path = "/v1/runs/", tag = "runs", request_body = StartRunRequest,
    responses((status = 200, body = RunStarted), (status = 404), (status = 422)))]
async fn create(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<StartRunRequest>,
) -> Result<Json<RunStarted>, ApiError> {
    let req = body.to_start().map_err(ApiError::validation)?;
    let user = (ctx.kind() == kit::auth::TokenKind::User).then(|| ctx.subject().to_owned());
    let run = start::start(&app, &ctx.tenant_id, None, &req, user.as_deref()).await?;
    Ok(Json(RunStarted::from(&run)))
}

/// The tenant's runs, newest first (a page: `limit` 1..=200, default 50; the total in
/// `X-Total-Count`).
#[utoipa::path(get, path = "/v1/runs/", tag = "runs", params(ListRunsQuery),
    responses((status = 200, body = [RunSummary]), (status = 422)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<ListRunsQuery>,
) -> Result<(HeaderMap, Json<Vec<RunSummary>>), ApiError> {
    let (runs, total) = read::list(&app, &ctx.tenant_id, &q).await?;
    Ok((total_header(total), Json(runs)))
}

/// Deletes the tenant's runs by `status` and/or age (`before`, epoch ms); 400
/// `filter_required` without either.
#[utoipa::path(delete, path = "/v1/runs/", tag = "runs", params(BulkDeleteQuery),
    responses((status = 200, body = BulkDeleted), (status = 400)))]
async fn bulk_delete(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<BulkDeleteQuery>,
) -> Result<Json<BulkDeleted>, ApiError> {
    let count =
        delete::delete_matching(&app, &ctx.tenant_id, q.status.as_deref(), q.before).await?;
    Ok(Json(BulkDeleted {
        count,
        status: "deleted".to_owned(),
    }))
}

/// A run with its steps, outputs and current step.
#[utoipa::path(get, path = "/v1/runs/{run_id}", tag = "runs",
    params(("run_id" = String, Path)), responses((status = 200, body = RunDetail), (status = 404)))]
async fn get_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<RunDetail>, ApiError> {
    Ok(Json(read::detail(&app, &ctx.tenant_id, &run_id).await?))
}

/// Changes a run's outputs, current step, context, model or key resolution; a `status` may
/// only end it (`completed`, `failed`, `cancelled`; 409 `run_not_active` when it has ended).
#[utoipa::path(patch, path = "/v1/runs/{run_id}", tag = "runs",
    params(("run_id" = String, Path)), request_body = UpdateRunRequest,
    responses((status = 200, body = RunUpdatedAnswer), (status = 404), (status = 409), (status = 422)))]
async fn patch_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    ValidJson(body): ValidJson<UpdateRunRequest>,
) -> Result<Json<RunUpdatedAnswer>, ApiError> {
    Ok(Json(
        crate::flows::steps::state::patch_run(&app, &ctx.tenant_id, &run_id, &body).await?,
    ))
}

/// Deletes a run: its steps, outputs, loop state, sessions and streams; RUN_DELETED.
#[utoipa::path(delete, path = "/v1/runs/{run_id}", tag = "runs",
    params(("run_id" = String, Path)), responses((status = 200, body = RunStatusAnswer), (status = 404)))]
async fn delete_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<RunStatusAnswer>, ApiError> {
    delete::delete(&app, &ctx.tenant_id, &run_id).await?;
    Ok(Json(RunStatusAnswer {
        run_id,
        status: "deleted".to_owned(),
    }))
}

fn answer(run: &crate::store::runs::RunRow) -> Json<RunStatusAnswer> {
    Json(RunStatusAnswer {
        run_id: run.id.clone(),
        status: run.status.clone(),
    })
}

/// Cancels the run (409 `run_not_active` when it has ended).
#[utoipa::path(post, path = "/v1/runs/{run_id}/cancel", tag = "runs",
    params(("run_id" = String, Path)),
    responses((status = 200, body = RunStatusAnswer), (status = 404), (status = 409)))]
async fn cancel(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<RunStatusAnswer>, ApiError> {
    Ok(answer(
        &control::cancel(&app, &ctx.tenant_id, &run_id).await?,
    ))
}

/// Pauses a running run: nothing new is queued until it resumes.
#[utoipa::path(post, path = "/v1/runs/{run_id}/pause", tag = "runs",
    params(("run_id" = String, Path)),
    responses((status = 200, body = RunStatusAnswer), (status = 404), (status = 409)))]
async fn pause(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<RunStatusAnswer>, ApiError> {
    Ok(answer(
        &control::pause(&app, &ctx.tenant_id, &run_id).await?,
    ))
}

/// Resumes a paused run; `requeued_steps` are the steps announced again.
#[utoipa::path(post, path = "/v1/runs/{run_id}/resume", tag = "runs",
    params(("run_id" = String, Path)),
    responses((status = 200, body = Resumed), (status = 404), (status = 409)))]
async fn resume(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<Resumed>, ApiError> {
    let (run, requeued_steps) = control::resume(&app, &ctx.tenant_id, &run_id).await?;
    Ok(Json(Resumed {
        run_id: run.id,
        status: run.status,
        requeued_steps,
    }))
}

/// Restarts the whole run from its first step (steps, outputs and loop state reset).
#[utoipa::path(post, path = "/v1/runs/{run_id}/restart", tag = "runs",
    params(("run_id" = String, Path)), request_body = Option<RestartRequest>,
    responses((status = 200, body = RunDetail), (status = 404)))]
async fn restart(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    body: Option<ValidJson<RestartRequest>>,
) -> Result<Json<RunDetail>, ApiError> {
    let context = body.and_then(|b| b.0.context);
    control::restart(&app, &ctx.tenant_id, &run_id, context.as_deref()).await?;
    Ok(Json(read::detail(&app, &ctx.tenant_id, &run_id).await?))
}

/// The run's event stream, oldest first (at most 1000 entries); 503 when Redis is down.
#[utoipa::path(get, path = "/v1/runs/{run_id}/logs", tag = "runs",
    params(("run_id" = String, Path)),
    responses((status = 200, body = [LogEntry]), (status = 404), (status = 503)))]
async fn logs(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<Vec<LogEntry>>, ApiError> {
    Ok(Json(
        read::stream(&app, &ctx.tenant_id, &run_id, false, None).await?,
    ))
}
