//! Internal endpoints of runs: the execution history tools read and the executor's result
//! report (served at both paths the reference used). Callers: a service of the tenant or an
//! agent token of the run itself; a person's token is refused (403).

use axum::Json;
use axum::extract::State;
use kit::auth::TokenKind;
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::runs::{RunHistory, RunHistoryQuery, RunStatusAnswer};
use crate::api::steps::ExecutorResultRequest;
use crate::flows::runs::read;
use crate::flows::steps::state;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(run_history))
        .routes(routes!(executor_result))
        .routes(routes!(executor_result_internal))
}

/// A service, or an agent (of `run` when given).
fn service_or_agent(ctx: &TenantContext, run: Option<&str>) -> Result<(), ApiError> {
    match ctx.kind() {
        TokenKind::Service => Ok(()),
        TokenKind::Agent if run.is_none() || ctx.claims.run_id.as_deref() == run => Ok(()),
        _ => Err(ApiError::forbidden("for services and the run's agent only")),
    }
}

/// Runs with their steps, newest first, filtered by project, task, agent, status, `since`.
#[utoipa::path(get, path = "/v1/internal/run-history", tag = "internal", params(RunHistoryQuery),
    responses((status = 200, body = RunHistory), (status = 403), (status = 422)))]
async fn run_history(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<RunHistoryQuery>,
) -> Result<Json<RunHistory>, ApiError> {
    service_or_agent(&ctx, None)?;
    Ok(Json(read::history(&app, &ctx.tenant_id, &q).await?))
}

/// The result of the run's current step attempt (409 `stale_attempt` for an older one).
#[utoipa::path(post, path = "/v1/runs/internal/executor-result", tag = "internal",
    request_body = ExecutorResultRequest,
    responses((status = 200, body = RunStatusAnswer), (status = 403), (status = 404), (status = 409)))]
async fn executor_result(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<ExecutorResultRequest>,
) -> Result<Json<RunStatusAnswer>, ApiError> {
    service_or_agent(&ctx, Some(&body.run_id))?;
    let status = state::executor_result(&app, &ctx.tenant_id, &body).await?;
    Ok(Json(RunStatusAnswer {
        run_id: body.run_id,
        status,
    }))
}

/// The same as `/v1/runs/internal/executor-result` (the reference runtime called this path).
#[utoipa::path(post, path = "/v1/internal/executor-result", tag = "internal",
    request_body = ExecutorResultRequest,
    responses((status = 200, body = RunStatusAnswer), (status = 403), (status = 404), (status = 409)))]
async fn executor_result_internal(
    state: State<AppState>,
    ctx: TenantContext,
    body: ValidJson<ExecutorResultRequest>,
) -> Result<Json<RunStatusAnswer>, ApiError> {
    executor_result(state, ctx, body).await
}
