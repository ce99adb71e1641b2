//! `/v1/settings/`: the tenant's global settings, favourite models and model suggestions
//! (contract §1.3 settings, §10 "Global settings"; spec §2.5).

use axum::Json;
use axum::extract::State;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::settings::{
    FAVORITES_KEY, Favorites, GlobalSettings, SettingsPatch, Suggestions, suggestions,
};
use crate::domain::validate::finish;
use crate::routes::support::require_admin;
use crate::store;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(get_favorites, put_favorites))
        .routes(routes!(get_suggestions))
}

impl Validate for SettingsPatch {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.check(&mut errors);
        finish(errors)
    }
}

impl Validate for Favorites {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.check(&mut errors);
        finish(errors)
    }
}

/// The tenant's settings, every key present (defaults for the ones never set).
#[utoipa::path(get, path = "/v1/settings/", tag = "settings",
    responses((status = 200, body = GlobalSettings)))]
async fn get_settings(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<GlobalSettings>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let rows = store::settings::rows(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(GlobalSettings::from_rows(&rows)))
}

/// Changes the keys given (tenant admins); the others keep their values. Unknown keys → 422.
#[utoipa::path(put, path = "/v1/settings/", tag = "settings", request_body = SettingsPatch,
    responses((status = 200, body = GlobalSettings), (status = 403), (status = 422)))]
async fn put_settings(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(patch): ValidJson<SettingsPatch>,
) -> Result<Json<GlobalSettings>, ApiError> {
    require_admin(&ctx)?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    store::settings::put(&mut tx, &patch.entries(), store::now_ms()).await?;
    let rows = store::settings::rows(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(GlobalSettings::from_rows(&rows)))
}

#[utoipa::path(get, path = "/v1/settings/favorites", tag = "settings",
    responses((status = 200, body = Favorites)))]
async fn get_favorites(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Favorites>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let raw = store::settings::get(&mut tx, FAVORITES_KEY).await?;
    tx.commit().await?;
    Ok(Json(Favorites::from_stored(raw.as_deref())))
}

/// Replaces the tenant's favourite models (any user of the tenant).
#[utoipa::path(put, path = "/v1/settings/favorites", tag = "settings", request_body = Favorites,
    responses((status = 200, body = Favorites), (status = 422)))]
async fn put_favorites(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<Favorites>,
) -> Result<Json<Favorites>, ApiError> {
    ctx.require_user()?;
    let stored = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let entries = [(FAVORITES_KEY.to_owned(), stored)];
    store::settings::put(&mut tx, &entries, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json(body))
}

/// Models for the pickers: the tenant's most used models first, then a curated list.
#[utoipa::path(get, path = "/v1/settings/models/suggestions", tag = "settings",
    responses((status = 200, body = Suggestions)))]
async fn get_suggestions(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Suggestions>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let used = store::settings::used_models(&mut tx, 20).await?;
    tx.commit().await?;
    Ok(Json(suggestions(&used)))
}
