//! `/v1/users/me/providers`: a user's own provider keys, next to the providers an admin shared
//! with them (contract §1.1 users rows, §10; spec §2.8). The user is always the token's.
//! Types in `api::user_providers`, use cases in `flows::user_providers`.

use axum::Json;
use axum::extract::{Path, State};
use kit::ApiError;
use kit::auth::scope::UserOnly;
use kit::extract::ValidJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::providers::{ProviderConfig, Removed};
use crate::api::user_providers::UserProviderResponse;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(upsert, remove))
}

/// The caller's own provider configs, then the providers shared with them (no key shown).
#[utoipa::path(get, path = "/v1/users/me/providers", tag = "users",
    responses((status = 200, body = [UserProviderResponse])))]
async fn list(
    State(app): State<AppState>,
    UserOnly(ctx): UserOnly,
) -> Result<Json<Vec<UserProviderResponse>>, ApiError> {
    Ok(Json(flows::user_providers::list(&app, &ctx).await?))
}

/// Sets the caller's own key or extra config for a catalog provider or one of the tenant's
/// custom providers.
#[utoipa::path(put, path = "/v1/users/me/providers/{provider_id}", tag = "users",
    request_body = ProviderConfig, responses((status = 200, body = UserProviderResponse),
    (status = 404), (status = 422)))]
async fn upsert(
    State(app): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path(provider_id): Path<String>,
    ValidJson(body): ValidJson<ProviderConfig>,
) -> Result<Json<UserProviderResponse>, ApiError> {
    Ok(Json(
        flows::user_providers::upsert(&app, &ctx, &provider_id, body).await?,
    ))
}

/// Removes the caller's own config of a provider; 404 when they have none.
#[utoipa::path(delete, path = "/v1/users/me/providers/{provider_id}", tag = "users",
    responses((status = 200, body = Removed), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path(provider_id): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    Ok(Json(
        flows::user_providers::remove(&app, &ctx, &provider_id).await?,
    ))
}
