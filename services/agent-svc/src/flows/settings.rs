//! `/v1/settings/`: the tenant's global settings, favourite models and model suggestions
//! (contract §1.3 settings, §10 "Global settings"; spec §2.5).
//! The use cases behind `routes::settings`.

use kit::{ApiError, Platform, TenantContext};

use crate::domain::settings::{
    FAVORITES_KEY, Favorites, GlobalSettings, SettingsPatch, Suggestions, suggestions,
};
use crate::store;

/// The tenant's settings, every key present (defaults for the ones never set).
pub async fn get_settings(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<GlobalSettings, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let rows = store::settings::rows(&mut tx).await?;
    tx.commit().await?;
    Ok(GlobalSettings::from_rows(&rows))
}

/// Changes the keys given (tenant admins); the others keep their values. Unknown keys → 422.
pub async fn put_settings(
    platform: &Platform,
    ctx: &TenantContext,
    patch: SettingsPatch,
) -> Result<GlobalSettings, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    store::settings::put(&mut tx, &patch.entries(), store::now_ms()).await?;
    let rows = store::settings::rows(&mut tx).await?;
    tx.commit().await?;
    Ok(GlobalSettings::from_rows(&rows))
}

pub async fn get_favorites(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<Favorites, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let raw = store::settings::get(&mut tx, FAVORITES_KEY).await?;
    tx.commit().await?;
    Ok(Favorites::from_stored(raw.as_deref()))
}

/// Replaces the tenant's favourite models (any user of the tenant).
pub async fn put_favorites(
    platform: &Platform,
    ctx: &TenantContext,
    body: Favorites,
) -> Result<Favorites, ApiError> {
    ctx.require_user()?;
    let stored = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let entries = [(FAVORITES_KEY.to_owned(), stored)];
    store::settings::put(&mut tx, &entries, store::now_ms()).await?;
    tx.commit().await?;
    Ok(body)
}

/// Models for the pickers: the tenant's most used models first, then a curated list.
pub async fn get_suggestions(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<Suggestions, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let used = store::settings::used_models(&mut tx, 20).await?;
    tx.commit().await?;
    Ok(suggestions(&used))
}
