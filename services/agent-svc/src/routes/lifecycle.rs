//! What agents are doing: fleet and agent status, lifecycle, activity timeline and stats (from
//! the activity the recorder appends), and the work locks and wake counters the engine's
//! runtimes keep in the tenant's Redis namespace.
//! Types in `api::lifecycle`, use cases in `flows::lifecycle`.

use axum::Json;
use axum::extract::{Path, Query, State};
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::lifecycle::{
    ActivityQuery, ActivityStats, AgentStatus, Fleet, Lifecycle, Timeline, WakeStats, WorkLedger,
};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(fleet))
        .routes(routes!(status))
        .routes(routes!(lifecycle))
        .routes(routes!(activity))
        .routes(routes!(stats))
        .routes(routes!(wake_stats))
        .routes(routes!(work_ledger))
}

#[utoipa::path(get, path = "/v1/agents/status", tag = "lifecycle",
    responses((status = 200, body = Fleet)))]
async fn fleet(State(state): State<AppState>, ctx: TenantContext) -> Result<Json<Fleet>, ApiError> {
    Ok(Json(flows::fleet::fleet(&state, &ctx).await?))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/status", tag = "lifecycle",
    responses((status = 200, body = AgentStatus), (status = 404)))]
async fn status(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<AgentStatus>, ApiError> {
    Ok(Json(
        flows::lifecycle::status(&platform, &ctx, &agent_id).await?,
    ))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/lifecycle", tag = "lifecycle",
    responses((status = 200, body = Lifecycle), (status = 404)))]
async fn lifecycle(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Lifecycle>, ApiError> {
    Ok(Json(
        flows::lifecycle::lifecycle(&platform, &ctx, &agent_id).await?,
    ))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/activity", tag = "lifecycle",
    params(ActivityQuery),
    responses((status = 200, body = Timeline), (status = 404), (status = 422)))]
async fn activity(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<ActivityQuery>,
) -> Result<Json<Timeline>, ApiError> {
    Ok(Json(
        flows::lifecycle::activity(&platform, &ctx, &agent_id, q).await?,
    ))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/activity/stats", tag = "lifecycle",
    responses((status = 200, body = ActivityStats), (status = 404)))]
async fn stats(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<ActivityStats>, ApiError> {
    Ok(Json(
        flows::lifecycle::stats(&platform, &ctx, &agent_id).await?,
    ))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/wake-stats", tag = "lifecycle",
    responses((status = 200, body = WakeStats), (status = 404)))]
async fn wake_stats(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<WakeStats>, ApiError> {
    Ok(Json(
        flows::lifecycle::wake_stats(&platform, &ctx, &agent_id).await?,
    ))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/work-ledger", tag = "lifecycle",
    responses((status = 200, body = WorkLedger), (status = 404)))]
async fn work_ledger(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<WorkLedger>, ApiError> {
    Ok(Json(
        flows::lifecycle::work_ledger(&platform, &ctx, &agent_id).await?,
    ))
}
