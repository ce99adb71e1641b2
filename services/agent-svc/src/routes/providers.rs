//! `/v1/settings/providers`: the tenant's model providers — the catalog merged with the
//! tenant's config, custom OpenAI-compatible providers, and the engine's key resolution
//! (contract §1.3 settings, §10 "Model providers"; spec §2.5, §2.8).
//! Types in `api::providers`, use cases in `flows::providers`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::ServiceOnly;
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::providers::{
    CreateCustomProvider, KeysQuery, ModelProviderResponse, ProviderConfig, Removed,
};
use crate::domain::key_resolution::ResolvedKeys;
use crate::extract::TenantAdmin;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create_custom))
        .routes(routes!(keys_all))
        .routes(routes!(upsert, remove))
}

/// Every catalog provider and the tenant's custom ones, with the tenant's config masked.
#[utoipa::path(get, path = "/v1/settings/providers", tag = "settings",
    responses((status = 200, body = [ModelProviderResponse])))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
) -> Result<Json<Vec<ModelProviderResponse>>, ApiError> {
    Ok(Json(flows::providers::list(&app, &ctx).await?))
}

/// Adds a custom OpenAI-compatible provider `custom-{slug}` (tenant admins); 409 if it exists.
#[utoipa::path(post, path = "/v1/settings/providers", tag = "settings",
    request_body = CreateCustomProvider, responses((status = 201, body = ModelProviderResponse),
    (status = 403), (status = 409), (status = 422)))]
async fn create_custom(
    State(app): State<AppState>,
    TenantAdmin(ctx): TenantAdmin,
    ValidJson(body): ValidJson<CreateCustomProvider>,
) -> Result<(StatusCode, Json<ModelProviderResponse>), ApiError> {
    let created = flows::providers::create_custom(&app, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Sets or rotates a provider's key, enables/disables it, changes its extra config (admins).
#[utoipa::path(put, path = "/v1/settings/providers/{provider_id}", tag = "settings",
    request_body = ProviderConfig, responses((status = 200, body = ModelProviderResponse),
    (status = 403), (status = 404), (status = 422)))]
async fn upsert(
    State(app): State<AppState>,
    TenantAdmin(ctx): TenantAdmin,
    Path(provider_id): Path<String>,
    ValidJson(body): ValidJson<ProviderConfig>,
) -> Result<Json<ModelProviderResponse>, ApiError> {
    Ok(Json(
        flows::providers::upsert(&app, &ctx, &provider_id, body).await?,
    ))
}

/// Removes the tenant's config of a provider (key, extra config, shares); a custom provider
/// disappears entirely. 404 when the tenant has no config for it.
#[utoipa::path(delete, path = "/v1/settings/providers/{provider_id}", tag = "settings",
    responses((status = 200, body = Removed), (status = 403), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    TenantAdmin(ctx): TenantAdmin,
    Path(provider_id): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    Ok(Json(
        flows::providers::remove(&app, &ctx, &provider_id).await?,
    ))
}

/// Plaintext keys for the engine to inject into a run: service tokens our services mint only;
/// a service API key gets 403. Our services call `/internal/agent/tenants/{tenant_id}/…` instead.
#[utoipa::path(get, path = "/v1/settings/providers/keys/all", tag = "settings", params(KeysQuery),
    responses((status = 200, body = ResolvedKeys), (status = 403)))]
async fn keys_all(
    State(app): State<AppState>,
    ServiceOnly(ctx): ServiceOnly,
    ValidQuery(q): ValidQuery<KeysQuery>,
) -> Result<Json<ResolvedKeys>, ApiError> {
    Ok(Json(flows::providers::keys_all(&app, &ctx, q).await?))
}
