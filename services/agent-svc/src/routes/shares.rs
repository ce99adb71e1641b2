//! `/v1/admin/shared-providers`: a tenant admin shares one of the tenant's provider keys with
//! one user of the tenant or with all of them (contract §1.9 admin rows, §10; spec §2.8). Types
//! in `api::shares`, use cases in `flows::shares`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, Platform};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::shares::{
    Revoked, ShareProvider, ShareUsageResponse, SharedProviderResponse, UpdateShare,
};
use crate::extract::TenantAdmin;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(usage))
        .routes(routes!(update, revoke))
}

#[utoipa::path(get, path = "/v1/admin/shared-providers", tag = "admin",
    responses((status = 200, body = [SharedProviderResponse]), (status = 403)))]
async fn list(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
) -> Result<Json<Vec<SharedProviderResponse>>, ApiError> {
    Ok(Json(flows::shares::list(&platform, &ctx).await?))
}

/// Shares a configured provider of the tenant; 404 when the tenant has no key for it, 409 when
/// it is already shared with that target.
#[utoipa::path(post, path = "/v1/admin/shared-providers", tag = "admin", request_body = ShareProvider,
    responses((status = 201, body = SharedProviderResponse), (status = 403), (status = 404),
    (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    ValidJson(body): ValidJson<ShareProvider>,
) -> Result<(StatusCode, Json<SharedProviderResponse>), ApiError> {
    let share = flows::shares::create(&platform, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(share)))
}

/// Changes a share's restrictions; `clear*` flags remove one.
#[utoipa::path(patch, path = "/v1/admin/shared-providers/{grant_id}", tag = "admin",
    request_body = UpdateShare, responses((status = 200, body = SharedProviderResponse),
    (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    Path(grant_id): Path<String>,
    ValidJson(body): ValidJson<UpdateShare>,
) -> Result<Json<SharedProviderResponse>, ApiError> {
    Ok(Json(
        flows::shares::update(&platform, &ctx, &grant_id, &body).await?,
    ))
}

#[utoipa::path(delete, path = "/v1/admin/shared-providers/{grant_id}", tag = "admin",
    responses((status = 200, body = Revoked), (status = 403), (status = 404)))]
async fn revoke(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    Path(grant_id): Path<String>,
) -> Result<Json<Revoked>, ApiError> {
    flows::shares::revoke(&platform, &ctx, &grant_id).await?;
    Ok(Json(Revoked {
        id: grant_id,
        status: "revoked",
    }))
}

/// Today's (UTC) shared-key use per share and user. A user with a share of their own counts
/// toward it, not toward the all-users share of the same provider.
#[utoipa::path(get, path = "/v1/admin/shared-providers/usage", tag = "admin",
    responses((status = 200, body = ShareUsageResponse), (status = 403)))]
async fn usage(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
) -> Result<Json<ShareUsageResponse>, ApiError> {
    Ok(Json(flows::shares::usage(&platform, &ctx).await?))
}
