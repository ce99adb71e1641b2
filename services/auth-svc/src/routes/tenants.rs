//! `/v1/tenants`: the caller's tenant, and tenant status for platform administrators.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use kit::ApiError;
use kit::extract::{ValidJson, ValidQuery};
use kit::page::PageQuery;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::client::{ClientInfo, UserContext};
use crate::api::tenants::{DeleteTenant, StatusChange, UpdateTenant};
use crate::api::{Done, OK};
use crate::flows::tenancy;
use crate::store::tenants::Tenant;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_mine, update_mine, delete_mine))
        .routes(routes!(list_all))
        .routes(routes!(set_status))
}

/// The caller's tenant.
#[utoipa::path(get, path = "/v1/tenants/me", tag = "tenants", security(("bearer" = [])),
    responses((status = 200, body = Tenant)))]
async fn get_mine(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<Tenant>, ApiError> {
    Ok(Json(tenancy::get_mine(&app, &ctx).await?))
}

/// Renames the caller's tenant or changes its slug (owner or tenant administrator).
#[utoipa::path(put, path = "/v1/tenants/me", tag = "tenants", request_body = UpdateTenant,
    security(("bearer" = [])), responses((status = 200, body = Tenant), (status = 409, body = kit::error::ErrorBody)))]
async fn update_mine(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<UpdateTenant>,
) -> Result<Json<Tenant>, ApiError> {
    let tenant = tenancy::update_mine(&app, &ctx, req.name.as_deref(), req.slug.as_deref()).await?;
    Ok(Json(tenant))
}

/// Deletes the caller's tenant and everything in it: its owner, signed in (not with an API
/// key), confirming with its password.
#[utoipa::path(delete, path = "/v1/tenants/me", tag = "tenants", request_body = DeleteTenant,
    security(("bearer" = [])),
    responses((status = 200, body = Done), (status = 401, body = kit::error::ErrorBody),
              (status = 403, body = kit::error::ErrorBody), (status = 422, body = kit::error::ErrorBody)))]
async fn delete_mine(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    client: ClientInfo,
    ValidJson(req): ValidJson<DeleteTenant>,
) -> Result<Json<Done>, ApiError> {
    tenancy::delete_tenant(&app, &ctx, req.password, &client).await?;
    Ok(Json(OK))
}

/// Every tenant of the installation (platform administrators).
#[utoipa::path(get, path = "/v1/tenants/", tag = "tenants", security(("bearer" = [])),
    params(PageQuery), responses((status = 200, body = [Tenant])))]
async fn list_all(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidQuery(q): ValidQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<Tenant>>), ApiError> {
    let page = q.page();
    let (tenants, total) = tenancy::list_all(&app, &ctx, page).await?;
    Ok((page.headers("/v1/tenants/", &[], total), Json(tenants)))
}

/// Suspends or reactivates a tenant (platform administrators). A suspended tenant cannot sign
/// in or refresh, and every service refuses its tokens within seconds.
#[utoipa::path(put, path = "/v1/tenants/{tenant_id}/status", tag = "tenants", request_body = StatusChange,
    security(("bearer" = [])), responses((status = 200, body = Tenant), (status = 404, body = kit::error::ErrorBody)))]
async fn set_status(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(tenant_id): Path<String>,
    ValidJson(req): ValidJson<StatusChange>,
) -> Result<Json<Tenant>, ApiError> {
    Ok(Json(
        tenancy::set_status(&app, &ctx, &tenant_id, &req.status).await?,
    ))
}
