//! `/v1/settings/providers`: the tenant's model providers — the catalog merged with the
//! tenant's config, custom OpenAI-compatible providers, and the engine's key resolution
//! (contract §1.3 settings, §10 "Model providers"; spec §2.5, §2.8).
//! The use cases behind `routes::providers`.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use kit::crypto::SecretBox;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::providers::{
    CreateCustomProvider, KeysQuery, ModelProviderResponse, ProviderConfig, Removed,
};
use crate::domain::key_resolution::{self, DailyUse, ResolvedKeys};
use crate::domain::providers::{self, ProviderInfo};
use crate::domain::sealed::{self, ConfigPatch};
use crate::flows::access::require_minted_service;
use crate::store::{self, providers::ProviderRow};

/// Every catalog provider and the tenant's custom ones, with the tenant's config masked.
pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
) -> Result<Vec<ModelProviderResponse>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let rows = store::providers::list_tenant(&mut tx).await?;
    tx.commit().await?;
    let find = |id: &str| rows.iter().find(|r| r.provider_id == id);
    let catalog = providers::catalog().map(|info| {
        let row = find(&info.id);
        ModelProviderResponse::build(&app.secrets, info, row)
    });
    let custom = rows.iter().filter(|r| r.is_custom).filter_map(|r| {
        info_for(&r.provider_id, Some(r))
            .map(|i| ModelProviderResponse::build(&app.secrets, i, Some(r)))
    });
    Ok(catalog.chain(custom).collect())
}

/// Adds a custom OpenAI-compatible provider `custom-{slug}` (tenant admins); 409 if it exists.
pub async fn create_custom(
    app: &AppState,
    ctx: &TenantContext,
    body: CreateCustomProvider,
) -> Result<ModelProviderResponse, ApiError> {
    let id = providers::custom_id(&body.slug);
    let info = ProviderInfo::custom(&id, body.name.trim());
    let base_url_env = info.base_url_env().unwrap_or_default().to_owned();
    let extra = BTreeMap::from([(base_url_env, body.base_url.clone())]);
    let patch = ConfigPatch {
        enabled: true,
        api_key: body.api_key.as_deref(),
        extra: Some(&extra),
    };
    let sealed = sealed::apply(&app.secrets, None, &patch);
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let row =
        store::providers::insert_custom(&mut tx, &id, body.name.trim(), &sealed, store::now_ms())
            .await?;
    tx.commit().await?;
    Ok(ModelProviderResponse::build(&app.secrets, info, Some(&row)))
}

/// Sets or rotates a provider's key, enables/disables it, changes its extra config (admins).
pub async fn upsert(
    app: &AppState,
    ctx: &TenantContext,
    provider_id: &str,
    body: ProviderConfig,
) -> Result<ModelProviderResponse, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let existing = store::providers::tenant_for_update(&mut tx, provider_id).await?;
    let info =
        info_for(provider_id, existing.as_ref()).ok_or_else(|| provider_not_found(provider_id))?;
    let patch = body.check_for(provider_id, &info)?;
    let sealed = sealed::apply(&app.secrets, existing.as_ref(), &patch);
    let row =
        store::providers::upsert_tenant(&mut tx, provider_id, &sealed, store::now_ms()).await?;
    tx.commit().await?;
    Ok(ModelProviderResponse::build(&app.secrets, info, Some(&row)))
}

/// Removes the tenant's config of a provider (key, extra config, shares); a custom provider
/// disappears entirely. 404 when the tenant has no config for it.
pub async fn remove(
    app: &AppState,
    ctx: &TenantContext,
    provider_id: &str,
) -> Result<Removed, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    if !store::providers::delete_tenant(&mut tx, provider_id).await? {
        return Err(provider_not_found(provider_id));
    }
    tx.commit().await?;
    Ok(Removed {
        provider_id: provider_id.to_owned(),
        status: "removed",
    })
}

/// Plaintext keys for the engine to inject into a run: our own services only, never a service
/// API key (`access::require_minted_service`).
pub async fn keys_all(
    app: &AppState,
    ctx: &TenantContext,
    q: KeysQuery,
) -> Result<ResolvedKeys, ApiError> {
    require_minted_service(ctx)?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let rows = store::providers::list_tenant(&mut tx).await?;
    let tenant = creds_of(&app.secrets, &rows, None);
    let Some(user_id) = q.user_id else {
        tx.commit().await?;
        return Ok(key_resolution::for_tenant(&tenant));
    };
    let own = creds_of(
        &app.secrets,
        &store::providers::list_user(&mut tx, &user_id).await?,
        Some(&rows),
    );
    let shares: Vec<_> = store::shares::for_user(&mut tx, &user_id)
        .await?
        .iter()
        .map(|s| s.to_share())
        .collect();
    let now = store::now_ms();
    let since = key_resolution::utc_day_start(now);
    let usage = store::shares::shared_use_since(&mut tx, since, Some(&user_id)).await?;
    tx.commit().await?;
    let usage: BTreeMap<_, _> = usage
        .into_iter()
        .map(|u| {
            (
                u.provider,
                DailyUse {
                    calls: u.calls,
                    cost: u.cost,
                },
            )
        })
        .collect();
    Ok(key_resolution::for_user(
        &user_id, &tenant, &own, &shares, &usage, now,
    ))
}

/// The description of `provider_id`: a catalog entry, or a custom provider the tenant created.
pub fn info_for(provider_id: &str, custom: Option<&ProviderRow>) -> Option<ProviderInfo> {
    providers::from_catalog(provider_id).or_else(|| {
        custom
            .filter(|r| r.is_custom && r.provider_id == provider_id)
            .map(|r| {
                ProviderInfo::custom(
                    provider_id,
                    r.display_name.as_deref().unwrap_or(provider_id),
                )
            })
    })
}

pub fn provider_not_found(provider_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "provider_not_found",
        format!("unknown provider `{provider_id}`"),
    )
}

/// Decrypted credentials of rows whose provider is known; `tenant_rows` supplies the custom
/// providers when `rows` are a user's (None: `rows` are the tenant's own).
pub fn creds_of(
    secrets: &SecretBox,
    rows: &[ProviderRow],
    tenant_rows: Option<&[ProviderRow]>,
) -> Vec<key_resolution::Creds> {
    let customs = tenant_rows.unwrap_or(rows);
    rows.iter()
        .filter_map(|r| {
            let custom = customs.iter().find(|c| c.provider_id == r.provider_id);
            info_for(&r.provider_id, custom).map(|info| sealed::creds(secrets, &info, r))
        })
        .collect()
}
