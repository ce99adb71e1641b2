//! A tenant admin's shares of the tenant's provider keys: one user of the tenant or all of them,
//! with expiry, model and daily limits (spec §2.8). Sharing never crosses tenants: the share row
//! carries the caller's tenant and the admin id comes from the token.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use kit::{ApiError, Platform, TenantContext};

use crate::api::shares::{
    ShareProvider, ShareUsageResponse, ShareUse, SharedProviderResponse, UpdateShare, UserUse,
};
use crate::domain::key_resolution::utc_day_start;
use crate::store::{self, shares::ShareRow};

pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<Vec<SharedProviderResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let rows = store::shares::list(&mut tx).await?;
    tx.commit().await?;
    Ok(rows.iter().map(Into::into).collect())
}

/// 404 `provider_not_configured` when the tenant has no key for the provider, 409 when it is
/// already shared with that target.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    body: ShareProvider,
) -> Result<SharedProviderResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let provider = store::providers::tenant_for_update(&mut tx, &body.provider_id).await?;
    if provider.is_none_or(|p| p.api_key_enc.is_none()) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "provider_not_configured",
            format!("the tenant has no key for `{}`", body.provider_id),
        ));
    }
    let row = ShareRow {
        id: format!("shr_{}", shared_schemas::ids::random_body()),
        admin_user_id: ctx.subject().to_owned(),
        provider_id: body.provider_id,
        target_user_id: body.target_user_id,
        created_at: store::now_ms(),
        expires_at: body.expires_at,
        allowed_models: body
            .allowed_models
            .and_then(|m| serde_json::to_string(&m).ok()),
        daily_limit: body.daily_limit,
        daily_cost_limit_usd: body.daily_cost_limit_usd,
    };
    let row = store::shares::insert(&mut tx, &row).await?;
    tx.commit().await?;
    Ok((&row).into())
}

pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    grant_id: &str,
    change: &UpdateShare,
) -> Result<SharedProviderResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let mut row = store::shares::get_for_update(&mut tx, grant_id).await?;
    apply(change, &mut row);
    let row = store::shares::update(&mut tx, &row).await?;
    tx.commit().await?;
    Ok((&row).into())
}

pub async fn revoke(
    platform: &Platform,
    ctx: &TenantContext,
    grant_id: &str,
) -> Result<(), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    store::shares::delete(&mut tx, grant_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Today's (UTC) shared-key use per share and user. A user with a share of their own counts
/// toward it, not toward the all-users share of the same provider.
pub async fn usage(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<ShareUsageResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let rows = store::shares::list(&mut tx).await?;
    let since = utc_day_start(store::now_ms());
    let uses = store::shares::shared_use_since(&mut tx, since, None).await?;
    tx.commit().await?;
    let own: BTreeSet<(&str, &str)> = rows
        .iter()
        .filter_map(|r| Some((r.provider_id.as_str(), r.target_user_id.as_deref()?)))
        .collect();
    let shares = rows
        .iter()
        .map(|r| {
            let users: Vec<UserUse> = uses
                .iter()
                .filter(|u| u.provider == r.provider_id)
                .filter(|u| match (&r.target_user_id, &u.user_id) {
                    (Some(t), Some(uid)) => t == uid,
                    (Some(_), None) => false,
                    (None, Some(uid)) => !own.contains(&(r.provider_id.as_str(), uid.as_str())),
                    (None, None) => true,
                })
                .map(|u| UserUse {
                    user_id: u.user_id.clone(),
                    calls: u.calls,
                    cost: u.cost,
                })
                .collect();
            ShareUse {
                share: r.into(),
                today_calls: users.iter().map(|u| u.calls).sum(),
                today_cost: users.iter().map(|u| u.cost).sum(),
                users,
            }
        })
        .collect();
    Ok(ShareUsageResponse { shares })
}

/// Applies `change` to `row`: given values replace, `clear*` flags remove.
fn apply(change: &UpdateShare, row: &mut ShareRow) {
    fn pick<T: Clone>(current: &mut Option<T>, new: &Option<T>, clear: bool) {
        if clear {
            *current = None;
        } else if new.is_some() {
            current.clone_from(new);
        }
    }
    pick(
        &mut row.expires_at,
        &change.expires_at,
        change.clear_expires_at,
    );
    pick(
        &mut row.daily_limit,
        &change.daily_limit,
        change.clear_daily_limit,
    );
    pick(
        &mut row.daily_cost_limit_usd,
        &change.daily_cost_limit_usd,
        change.clear_daily_cost_limit_usd,
    );
    let models = change
        .allowed_models
        .as_ref()
        .and_then(|m| serde_json::to_string(m).ok());
    pick(
        &mut row.allowed_models,
        &models,
        change.clear_allowed_models,
    );
}
