//! `/v1/steps/{run_id}/{step_id}` (CONTRACTS §1.5 S): one step, its restart and its logs.

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::runs::{LogEntry, RestartRequest};
use crate::api::steps::StepView;
use crate::flows::runs::{control, read};
use crate::flows::steps::state;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_one))
        .routes(routes!(restart))
        .routes(routes!(logs))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StepRestarted {
    pub run_id: String,
    pub step_id: String,
    pub status: String,
}

#[utoipa::path(get, path = "/v1/steps/{run_id}/{step_id}", tag = "steps",
    params(("run_id" = String, Path), ("step_id" = String, Path)),
    responses((status = 200, body = StepView), (status = 404)))]
async fn get_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id)): Path<(String, String)>,
) -> Result<Json<StepView>, ApiError> {
    Ok(Json(
        state::step(&app, &ctx.tenant_id, &run_id, &step_id).await?,
    ))
}

/// Runs the step again with `[HUMAN RESTART] context` in its prompt.
#[utoipa::path(post, path = "/v1/steps/{run_id}/{step_id}/restart", tag = "steps",
    params(("run_id" = String, Path), ("step_id" = String, Path)), request_body = Option<RestartRequest>,
    responses((status = 200, body = StepRestarted), (status = 404), (status = 409)))]
async fn restart(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id)): Path<(String, String)>,
    body: Option<ValidJson<RestartRequest>>,
) -> Result<Json<StepRestarted>, ApiError> {
    let context = body.and_then(|b| b.0.context);
    control::restart_step(&app, &ctx.tenant_id, &run_id, &step_id, context.as_deref()).await?;
    let step = state::step(&app, &ctx.tenant_id, &run_id, &step_id).await?;
    Ok(Json(StepRestarted {
        run_id,
        step_id,
        status: step.status,
    }))
}

/// The step's lines of the run's log stream (runtime stdout/stderr); 503 when Redis is down.
#[utoipa::path(get, path = "/v1/steps/{run_id}/{step_id}/logs", tag = "steps",
    params(("run_id" = String, Path), ("step_id" = String, Path)),
    responses((status = 200, body = [LogEntry]), (status = 404), (status = 503)))]
async fn logs(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, step_id)): Path<(String, String)>,
) -> Result<Json<Vec<LogEntry>>, ApiError> {
    Ok(Json(
        read::stream(&app, &ctx.tenant_id, &run_id, true, Some(&step_id)).await?,
    ))
}
