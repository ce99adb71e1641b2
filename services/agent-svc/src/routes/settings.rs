//! `/v1/settings/`: the tenant's global settings, favourite models and model suggestions
//! (contract §1.3 settings, §10 "Global settings"; spec §2.5).
//! Types in `api::settings`, use cases in `flows::settings`.

use axum::Json;
use axum::extract::State;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::settings::{Favorites, GlobalSettings, SettingsPatch, Suggestions};
use crate::extract::TenantAdmin;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(get_favorites, put_favorites))
        .routes(routes!(get_suggestions))
}

/// The tenant's settings, every key present (defaults for the ones never set).
#[utoipa::path(get, path = "/v1/settings/", tag = "settings",
    responses((status = 200, body = GlobalSettings)))]
async fn get_settings(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<GlobalSettings>, ApiError> {
    Ok(Json(flows::settings::get_settings(&platform, &ctx).await?))
}

/// Changes the keys given (tenant admins); the others keep their values. Unknown keys → 422.
#[utoipa::path(put, path = "/v1/settings/", tag = "settings", request_body = SettingsPatch,
    responses((status = 200, body = GlobalSettings), (status = 403), (status = 422)))]
async fn put_settings(
    State(platform): State<Platform>,
    TenantAdmin(ctx): TenantAdmin,
    ValidJson(patch): ValidJson<SettingsPatch>,
) -> Result<Json<GlobalSettings>, ApiError> {
    Ok(Json(
        flows::settings::put_settings(&platform, &ctx, patch).await?,
    ))
}

#[utoipa::path(get, path = "/v1/settings/favorites", tag = "settings",
    responses((status = 200, body = Favorites)))]
async fn get_favorites(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Favorites>, ApiError> {
    Ok(Json(flows::settings::get_favorites(&platform, &ctx).await?))
}

/// Replaces the tenant's favourite models (any user of the tenant).
#[utoipa::path(put, path = "/v1/settings/favorites", tag = "settings", request_body = Favorites,
    responses((status = 200, body = Favorites), (status = 422)))]
async fn put_favorites(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<Favorites>,
) -> Result<Json<Favorites>, ApiError> {
    Ok(Json(
        flows::settings::put_favorites(&platform, &ctx, body).await?,
    ))
}

/// Models for the pickers: the tenant's most used models first, then a curated list.
#[utoipa::path(get, path = "/v1/settings/models/suggestions", tag = "settings",
    responses((status = 200, body = Suggestions)))]
async fn get_suggestions(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Suggestions>, ApiError> {
    Ok(Json(
        flows::settings::get_suggestions(&platform, &ctx).await?,
    ))
}
