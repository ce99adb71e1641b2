//! `/v1/agents/{id}/config` and `/v1/agents/{id}/files/{filename}`: what used to be config.yml
//! and the persona markdown files of the reference's AGENTS_DIR. Types in `api::agent_config`,
//! use cases in `flows::agent_config`.

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::agent_config::{ConfigPatch, ConfigUpdated, FileUpdate, FileUpdated};
use crate::domain::agent_config::AgentRuntimeConfig;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_config, put_config))
        .routes(routes!(put_file))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/config", tag = "agents",
    responses((status = 200, body = AgentRuntimeConfig), (status = 404)))]
async fn get_config(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<AgentRuntimeConfig>, ApiError> {
    Ok(Json(
        flows::agent_config::get(&platform, &ctx, &agent_id).await?,
    ))
}

#[utoipa::path(put, path = "/v1/agents/{agent_id}/config", tag = "agents",
    request_body = AgentRuntimeConfig,
    responses((status = 200, body = ConfigUpdated), (status = 404), (status = 422)))]
async fn put_config(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(ConfigPatch(patch)): ValidJson<ConfigPatch>,
) -> Result<Json<ConfigUpdated>, ApiError> {
    Ok(Json(
        flows::agent_config::update(&platform, &ctx, &agent_id, &patch).await?,
    ))
}

/// Replaces one persona file: IDENTITY, SOUL, AGENTS or DECISION (`.md` optional).
#[utoipa::path(put, path = "/v1/agents/{agent_id}/files/{filename}", tag = "agents",
    request_body = FileUpdate,
    responses((status = 200, body = FileUpdated), (status = 400), (status = 404)))]
async fn put_file(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, filename)): Path<(String, String)>,
    ValidJson(body): ValidJson<FileUpdate>,
) -> Result<Json<FileUpdated>, ApiError> {
    let updated =
        flows::agent_config::put_file(&platform, &ctx, &agent_id, &filename, &body.content).await?;
    Ok(Json(updated))
}
