//! `/v1/skills/agents/{agent_id}/…`: which skills an agent may load, its prompt manifest, and the
//! gated content endpoint behind the runtime's `load_skill` tool. Any credential of the tenant
//! reads (an agent only its own routes); users, or the agent itself, grant and revoke.
//! Types in `api::skill_grants`, use cases in `flows::skill_grants`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::skill_grants::{
    FileQuery, ManifestResponse, SkillContent, SkillFiles, SkillGrantResponse,
};
use crate::config::AgentConfig;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(manifest))
        .routes(routes!(revoke))
        .routes(routes!(grant))
        .routes(routes!(content))
        .routes(routes!(files))
}

/// The skills granted to the agent (enabled or not).
#[utoipa::path(get, path = "/v1/skills/agents/{agent_id}", tag = "skills",
    responses((status = 200, body = [SkillGrantResponse]), (status = 404)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<SkillGrantResponse>>, ApiError> {
    Ok(Json(
        flows::skill_grants::list(&platform, &ctx, &agent_id).await?,
    ))
}

/// The compact list of what the agent can load now (granted and enabled), for its prompt.
/// A tenant skill shadows a global one with the same slug.
#[utoipa::path(get, path = "/v1/skills/agents/{agent_id}/manifest", tag = "skills",
    responses((status = 200, body = ManifestResponse), (status = 404)))]
async fn manifest(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<ManifestResponse>, ApiError> {
    Ok(Json(
        flows::skill_grants::manifest(&platform, &ctx, &agent_id).await?,
    ))
}

/// Grants the agent a skill (the tenant's or a global one). Idempotent; the caller is recorded
/// as `granted_by` (a `granted_by` in the body, which the reference took, is ignored).
#[utoipa::path(post, path = "/v1/skills/agents/{agent_id}/{skill_id}/grant", tag = "skills",
    responses((status = 200, body = SkillGrantResponse), (status = 403), (status = 404)))]
async fn grant(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, skill_id)): Path<(String, String)>,
) -> Result<Json<SkillGrantResponse>, ApiError> {
    Ok(Json(
        flows::skill_grants::grant(&platform, &ctx, &agent_id, &skill_id).await?,
    ))
}

/// Revokes the agent's grant (idempotent: revoking twice answers the same).
#[utoipa::path(delete, path = "/v1/skills/agents/{agent_id}/{skill_id}", tag = "skills",
    responses((status = 200, description = "`{\"revoked\": id, \"agent_id\": id}`"),
        (status = 403), (status = 404)))]
async fn revoke(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, skill_id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        flows::skill_grants::revoke(&platform, &ctx, &agent_id, &skill_id).await?,
    ))
}

/// What `load_skill` returns: the skill's text, or one of its companion files with `?file=`.
#[utoipa::path(get, path = "/v1/skills/agents/{agent_id}/{skill_id}/content", tag = "skills",
    params(FileQuery),
    responses((status = 200, body = SkillContent), (status = 400), (status = 403),
        (status = 404), (status = 409)))]
async fn content(
    State(platform): State<Platform>,
    State(config): State<Arc<AgentConfig>>,
    ctx: TenantContext,
    Path((agent_id, skill_id)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
) -> Result<Json<SkillContent>, ApiError> {
    Ok(Json(
        flows::skill_grants::content(&platform, &config, &ctx, &agent_id, &skill_id, q).await?,
    ))
}

/// The companion files `?file=` can load (relative paths; empty for tenant skills).
#[utoipa::path(get, path = "/v1/skills/agents/{agent_id}/{skill_id}/files", tag = "skills",
    responses((status = 200, body = SkillFiles), (status = 403), (status = 404), (status = 409)))]
async fn files(
    State(platform): State<Platform>,
    State(config): State<Arc<AgentConfig>>,
    ctx: TenantContext,
    Path((agent_id, skill_id)): Path<(String, String)>,
) -> Result<Json<SkillFiles>, ApiError> {
    Ok(Json(
        flows::skill_grants::files(&platform, &config, &ctx, &agent_id, &skill_id).await?,
    ))
}
