//! `/v1/admin/…` routes whose data agent-svc owns (HAProxy sends these paths here): pending
//! approvals, skill decisions and secrets granted to users; and `GET /v1/users/me/secrets`.
//! Types in `api::admin`, use cases in `flows::admin`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use kit::auth::scope::UserOnly;
use kit::{ApiError, Platform};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::admin::{Decision, PendingApprovalItem, UserGrant};
use crate::api::secrets::SecretResponse;
use crate::extract::TenantAdmin;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pending))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(grant_user, revoke_user))
        .routes(routes!(my_secrets))
}

/// Skills the tenant's members wrote that wait for an administrator, oldest first.
#[utoipa::path(get, path = "/v1/admin/pending-approvals", tag = "admin",
    responses((status = 200, body = [PendingApprovalItem]), (status = 403)))]
async fn pending(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
) -> Result<Json<Vec<PendingApprovalItem>>, ApiError> {
    Ok(Json(flows::admin::pending(&platform, &ctx).await?))
}

/// Approves a pending skill (by slug or id): agents it is granted to can load it.
#[utoipa::path(patch, path = "/v1/admin/skills/{skill_id}/approve", tag = "admin",
    responses((status = 200, body = Decision), (status = 400), (status = 403), (status = 404)))]
async fn approve(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    Path(skill_id): Path<String>,
) -> Result<Json<Decision>, ApiError> {
    Ok(Json(
        flows::admin::decide(&platform, &ctx, &skill_id, true).await?,
    ))
}

/// Rejects a pending skill: it stays, and no agent loads it.
#[utoipa::path(patch, path = "/v1/admin/skills/{skill_id}/reject", tag = "admin",
    responses((status = 200, body = Decision), (status = 400), (status = 403), (status = 404)))]
async fn reject(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    Path(skill_id): Path<String>,
) -> Result<Json<Decision>, ApiError> {
    Ok(Json(
        flows::admin::decide(&platform, &ctx, &skill_id, false).await?,
    ))
}

/// Grants one of the tenant's secrets to one of its users (idempotent).
#[utoipa::path(post, path = "/v1/admin/secrets/{secret_id}/grant-user/{user_id}", tag = "admin",
    responses((status = 201, body = UserGrant), (status = 403), (status = 404)))]
async fn grant_user(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    headers: HeaderMap,
    Path((secret_id, user_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<UserGrant>), ApiError> {
    let authorization = headers.get(AUTHORIZATION);
    let grant =
        flows::admin::grant_user(&platform, &ctx, authorization, &secret_id, &user_id).await?;
    Ok((StatusCode::CREATED, Json(grant)))
}

/// Takes a user's grant of a secret away; 404 `grant_not_found` when there was none.
#[utoipa::path(delete, path = "/v1/admin/secrets/{secret_id}/grant-user/{user_id}", tag = "admin",
    responses((status = 204), (status = 403), (status = 404)))]
async fn revoke_user(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    Path((secret_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    flows::admin::revoke_user(&platform, &ctx, &secret_id, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The secrets administrators granted to the caller, masked.
#[utoipa::path(get, path = "/v1/users/me/secrets", tag = "admin",
    responses((status = 200, body = [SecretResponse]), (status = 403)))]
async fn my_secrets(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
) -> Result<Json<Vec<SecretResponse>>, ApiError> {
    Ok(Json(flows::admin::my_secrets(&platform, &ctx).await?))
}
