//! `/v1/auth/providers`: OIDC providers of the caller's tenant (tenant administrators) or of the
//! platform (`?scope=platform` / `"scope": "platform"`, platform administrators).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::ApiError;
use kit::extract::{ValidJson, ValidQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::client::UserContext;
use crate::api::providers::{Changed, Deleted, ScopeQuery};
use crate::api::providers::{DiscoveryReport, ProviderOut};
use crate::domain::oidc::{CreateProvider, UpdateProvider};
use crate::flows::oidc::providers;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, remove))
        .routes(routes!(test))
}

/// The providers of the caller's tenant, or of the platform; client secrets masked.
#[utoipa::path(get, path = "/v1/auth/providers", tag = "auth", params(ScopeQuery),
    security(("bearer" = [])), responses((status = 200, body = [ProviderOut]),
    (status = 403, body = kit::error::ErrorBody)))]
async fn list(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidQuery(q): ValidQuery<ScopeQuery>,
) -> Result<Json<Vec<ProviderOut>>, ApiError> {
    Ok(Json(providers::list(&app, &ctx, q.scope).await?))
}

/// Adds a provider; its slug is unique across the installation.
#[utoipa::path(post, path = "/v1/auth/providers", tag = "auth", request_body = CreateProvider,
    security(("bearer" = [])), responses((status = 201, body = Changed),
    (status = 409, body = kit::error::ErrorBody), (status = 422, body = kit::error::ErrorBody)))]
async fn create(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<CreateProvider>,
) -> Result<(StatusCode, Json<Changed>), ApiError> {
    let provider = providers::create(&app, &ctx, req).await?;
    let body = Changed {
        status: "created",
        provider,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Changes a provider (the slug stays: it names linked identities).
#[utoipa::path(put, path = "/v1/auth/providers/{provider_id}", tag = "auth",
    request_body = UpdateProvider, security(("bearer" = [])),
    responses((status = 200, body = Changed), (status = 404, body = kit::error::ErrorBody)))]
async fn update(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(id): Path<String>,
    ValidJson(req): ValidJson<UpdateProvider>,
) -> Result<Json<Changed>, ApiError> {
    let provider = providers::update(&app, &ctx, &id, req).await?;
    Ok(Json(Changed {
        status: "updated",
        provider,
    }))
}

/// Removes a provider. Accounts linked to it keep their other ways to sign in.
#[utoipa::path(delete, path = "/v1/auth/providers/{provider_id}", tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = Deleted), (status = 404, body = kit::error::ErrorBody)))]
async fn remove(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(id): Path<String>,
) -> Result<Json<Deleted>, ApiError> {
    providers::delete(&app, &ctx, &id).await?;
    Ok(Json(Deleted {
        id,
        status: "deleted",
    }))
}

/// Loads the provider's configuration and signing keys as a login would; 400 when that fails.
#[utoipa::path(post, path = "/v1/auth/providers/{provider_id}/test", tag = "auth",
    security(("bearer" = [])), responses((status = 200, body = DiscoveryReport),
    (status = 400, body = kit::error::ErrorBody), (status = 404, body = kit::error::ErrorBody)))]
async fn test(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(id): Path<String>,
) -> Result<Json<DiscoveryReport>, ApiError> {
    Ok(Json(providers::test(&app, &ctx, &id).await?))
}
