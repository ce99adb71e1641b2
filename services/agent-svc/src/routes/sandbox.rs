//! `/v1/agents/{id}/sandbox...`: read an agent's sandbox files, or reset them. Types in
//! `api::sandbox`, use cases in `flows::sandbox`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::sandbox::{FileContent, FileTree, PathQuery, ResetDone, SandboxInfo};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(info))
        .routes(routes!(tree))
        .routes(routes!(file))
        .routes(routes!(reset))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/sandbox", tag = "sandbox",
    responses((status = 200, body = SandboxInfo), (status = 404)))]
async fn info(
    State(state): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<SandboxInfo>, ApiError> {
    Ok(Json(flows::sandbox::info(&state, &ctx, &agent_id).await?))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/sandbox/tree", tag = "sandbox",
    params(PathQuery),
    responses((status = 200, body = FileTree), (status = 400), (status = 404)))]
async fn tree(
    State(state): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<PathQuery>,
) -> Result<Json<FileTree>, ApiError> {
    Ok(Json(
        flows::sandbox::tree(&state, &ctx, &agent_id, q.relative()).await?,
    ))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/sandbox/file", tag = "sandbox",
    params(PathQuery),
    responses((status = 200, body = FileContent), (status = 400), (status = 404)))]
async fn file(
    State(state): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<PathQuery>,
) -> Result<Json<FileContent>, ApiError> {
    Ok(Json(
        flows::sandbox::file(&state, &ctx, &agent_id, q.relative()).await?,
    ))
}

/// Deletes everything in the agent's sandbox.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/sandbox/reset", tag = "sandbox",
    responses((status = 200, body = ResetDone), (status = 404)))]
async fn reset(
    State(state): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path(agent_id): Path<String>,
) -> Result<(StatusCode, Json<ResetDone>), ApiError> {
    let removed = flows::sandbox::reset(&state, &ctx, &agent_id).await?;
    Ok((
        StatusCode::OK,
        Json(ResetDone {
            status: "reset",
            removed,
        }),
    ))
}
