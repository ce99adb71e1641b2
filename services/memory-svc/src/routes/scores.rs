//! `/v1/internal/memory-*` (runtimes and services, called directly, never through HAProxy) and
//! `/v1/memory-scoring/config`.

use axum::Json;
use axum::extract::{Path, Query, State};
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::scores::{
    ConfigPatch, Gaps, GapsQuery, MemoryScores, RecordRetrievals, RecordValuations,
    RetrievalsRecorded, ScoresQuery, ValuationsRecorded,
};
use crate::domain::scores::ScoringConfig;
use crate::flows;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(retrievals))
        .routes(routes!(valuations))
        .routes(routes!(scores))
        .routes(routes!(gaps))
        .routes(routes!(get_config, put_config))
        .routes(routes!(reset_config))
}

/// Records a batch of retrievals: each one is logged and counted.
#[utoipa::path(post, path = "/v1/internal/memory-retrievals", tag = "memory-scores",
    request_body = RecordRetrievals,
    responses((status = 200, body = RetrievalsRecorded), (status = 403), (status = 404),
        (status = 422)))]
async fn retrievals(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidJson(req): ValidJson<RecordRetrievals>,
) -> Result<Json<RetrievalsRecorded>, ApiError> {
    Ok(Json(
        flows::scores::record_retrievals(&app, &ctx, req).await?,
    ))
}

/// Records an agent's valuations of memories, and a knowledge gap if it names one.
#[utoipa::path(post, path = "/v1/internal/memory-valuations", tag = "memory-scores",
    request_body = RecordValuations,
    responses((status = 200, body = ValuationsRecorded), (status = 403), (status = 404),
        (status = 422)))]
async fn valuations(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidJson(req): ValidJson<RecordValuations>,
) -> Result<Json<ValuationsRecorded>, ApiError> {
    Ok(Json(
        flows::scores::record_valuations(&app, &ctx, req).await?,
    ))
}

/// An agent's memory scores, usefulness and adaptive score computed at read time.
#[utoipa::path(get, path = "/v1/internal/memory-scores/{agent_id}", tag = "memory-scores",
    params(("agent_id" = String, Path), ScoresQuery),
    responses((status = 200, body = MemoryScores), (status = 403), (status = 404),
        (status = 422)))]
async fn scores(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<ScoresQuery>,
) -> Result<Json<MemoryScores>, ApiError> {
    let answer =
        flows::scores::scores(&app, &ctx, &agent_id, q.memory_ids.as_deref(), q.limit).await?;
    Ok(Json(answer))
}

/// The knowledge gaps an agent reported, newest first.
#[utoipa::path(get, path = "/v1/internal/memory-gaps/{agent_id}", tag = "memory-scores",
    params(("agent_id" = String, Path), GapsQuery),
    responses((status = 200, body = Gaps), (status = 403), (status = 404), (status = 422)))]
async fn gaps(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<GapsQuery>,
) -> Result<Json<Gaps>, ApiError> {
    Ok(Json(
        flows::scores::gaps(&app, &ctx, &agent_id, q.limit).await?,
    ))
}

/// The tenant's scoring settings (the defaults until an administrator changes them).
#[utoipa::path(get, path = "/v1/memory-scoring/config", tag = "memory-scores",
    responses((status = 200, body = ScoringConfig)))]
async fn get_config(
    State(app): State<AppState>,
    ctx: TenantContext,
) -> Result<Json<ScoringConfig>, ApiError> {
    Ok(Json(flows::scores::config(&app, &ctx).await?))
}

/// Changes the keys given (tenant administrators); effective at the next read.
#[utoipa::path(put, path = "/v1/memory-scoring/config", tag = "memory-scores",
    request_body = ConfigPatch,
    responses((status = 200, body = ScoringConfig), (status = 403), (status = 422)))]
async fn put_config(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidJson(patch): ValidJson<ConfigPatch>,
) -> Result<Json<ScoringConfig>, ApiError> {
    Ok(Json(flows::scores::update_config(&app, &ctx, patch).await?))
}

/// Back to the defaults (tenant administrators).
#[utoipa::path(post, path = "/v1/memory-scoring/config/reset", tag = "memory-scores",
    responses((status = 200, body = ScoringConfig), (status = 403)))]
async fn reset_config(
    State(app): State<AppState>,
    ctx: TenantContext,
) -> Result<Json<ScoringConfig>, ApiError> {
    Ok(Json(flows::scores::reset_config(&app, &ctx).await?))
}
