//! `/v1/skills/`: the skill library — the tenant's own skills plus the global ones from the
//! repository's skills/ folder (spec §2.7; contract §1.3, §10). Any credential of the tenant
//! reads; users write, and only the tenant's own skills (global ones answer 403).
//! Types in `api::skills`, use cases in `flows::skills`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use kit::auth::scope::UserOnly;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::skills::{
    CreateSkillRequest, EnabledQuery, ParseSkillRequest, ParseSkillResponse, SkillResponse,
    UpdateSkillRequest,
};
use crate::domain::validate;
use crate::extract::UserRights;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(parse))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(set_enabled))
}

/// The tenant's skills and the global library, by slug.
#[utoipa::path(get, path = "/v1/skills/", tag = "skills",
    responses((status = 200, body = [SkillResponse])))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Vec<SkillResponse>>, ApiError> {
    Ok(Json(flows::skills::list(&platform, &ctx).await?))
}

/// Creates a tenant skill; an agent-scoped one is granted to its owner in the same transaction.
#[utoipa::path(post, path = "/v1/skills/", tag = "skills", request_body = CreateSkillRequest,
    responses((status = 200, body = SkillResponse), (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserRights { ctx, admin }: UserRights,
    ValidJson(body): ValidJson<CreateSkillRequest>,
) -> Result<Json<SkillResponse>, ApiError> {
    Ok(Json(
        flows::skills::create(&platform, &ctx, admin, body).await?,
    ))
}

/// One skill by id (`skl_…`) or slug.
#[utoipa::path(get, path = "/v1/skills/{skill_id}", tag = "skills",
    responses((status = 200, body = SkillResponse), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(skill_id): Path<String>,
) -> Result<Json<SkillResponse>, ApiError> {
    Ok(Json(
        flows::skills::get_one(&platform, &ctx, &skill_id).await?,
    ))
}

/// Changes the given fields of one of the tenant's skills; 403 `global_read_only` for a global one.
/// A member's change of its text sends it back to approval.
#[utoipa::path(put, path = "/v1/skills/{skill_id}", tag = "skills",
    request_body = UpdateSkillRequest,
    responses((status = 200, body = SkillResponse), (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    UserRights { ctx, admin }: UserRights,
    Path(skill_id): Path<String>,
    ValidJson(body): ValidJson<UpdateSkillRequest>,
) -> Result<Json<SkillResponse>, ApiError> {
    Ok(Json(
        flows::skills::update(&platform, &ctx, admin, &skill_id, body).await?,
    ))
}

/// Deletes one of the tenant's skills and every grant of it.
#[utoipa::path(delete, path = "/v1/skills/{skill_id}", tag = "skills",
    responses((status = 200, description = "`{\"deleted\": id}`"), (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(skill_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        flows::skills::delete(&platform, &ctx, &skill_id).await?,
    ))
}

/// Switches one of the tenant's skills on or off for every agent (`?enabled=true|false`).
#[utoipa::path(patch, path = "/v1/skills/{skill_id}/enabled", tag = "skills",
    params(EnabledQuery),
    responses((status = 200, body = SkillResponse), (status = 403), (status = 404), (status = 422)))]
async fn set_enabled(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(skill_id): Path<String>,
    query: Result<Query<EnabledQuery>, QueryRejection>,
) -> Result<Json<SkillResponse>, ApiError> {
    let Query(q) = query.map_err(|e| validate::field_error("enabled", e.body_text()))?;
    Ok(Json(
        flows::skills::set_enabled(&platform, &ctx, &skill_id, q.enabled).await?,
    ))
}

/// Checks a SKILL.md document (frontmatter `name`, `description`, `tags`, `enabled` + body).
#[utoipa::path(post, path = "/v1/skills/parse", tag = "skills", request_body = ParseSkillRequest,
    responses((status = 200, body = ParseSkillResponse), (status = 422)))]
async fn parse(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<ParseSkillRequest>,
) -> Result<Json<ParseSkillResponse>, ApiError> {
    Ok(Json(flows::skills::parse(&platform, &ctx, body).await?))
}
