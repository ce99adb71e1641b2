//! `/v1/users/me/providers`: a user's own provider keys, next to the providers an admin shared
//! with them (contract §1.1 users rows, §10; spec §2.8). The user is always the token's.
//! The use cases behind `routes::user_providers`.

use kit::ApiError;
use kit::TenantContext;

use crate::AppState;
use crate::api::providers::{ProviderConfig, Removed};
use crate::api::user_providers::UserProviderResponse;
use crate::domain::sealed;
use crate::flows::providers::{info_for, provider_not_found};
use crate::store;

/// The caller's own provider configs, then the providers shared with them (no key shown).
pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
) -> Result<Vec<UserProviderResponse>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let tenant_rows = store::providers::list_tenant(&mut tx).await?;
    let own = store::providers::list_user(&mut tx, ctx.subject()).await?;
    let shares = store::shares::for_user(&mut tx, ctx.subject()).await?;
    tx.commit().await?;
    let shared = |pid: &str| shares.iter().any(|s| s.provider_id == pid);
    let mut out: Vec<_> = own
        .iter()
        .map(|row| {
            let custom = tenant_rows
                .iter()
                .find(|r| r.provider_id == row.provider_id);
            let configured = info_for(&row.provider_id, custom).is_some_and(|info| {
                info.configured(
                    row.api_key_enc.is_some(),
                    &sealed::open_extra(&app.secrets, row),
                )
            });
            UserProviderResponse::own(&app.secrets, row, configured, shared(&row.provider_id))
        })
        .collect();
    for share in &shares {
        if !out.iter().any(|o| o.provider_id == share.provider_id) {
            out.push(UserProviderResponse {
                provider_id: share.provider_id.clone(),
                enabled: true,
                configured: true,
                masked_api_key: None,
                masked_extra_config: None,
                shared_by_admin: true,
            });
        }
    }
    Ok(out)
}

/// Sets the caller's own key or extra config for a catalog provider or one of the tenant's
/// custom providers.
pub async fn upsert(
    app: &AppState,
    ctx: &TenantContext,
    provider_id: &str,
    body: ProviderConfig,
) -> Result<UserProviderResponse, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let custom = store::providers::tenant_for_update(&mut tx, provider_id).await?;
    let info =
        info_for(provider_id, custom.as_ref()).ok_or_else(|| provider_not_found(provider_id))?;
    let patch = body.check_for(provider_id, &info)?;
    let existing = store::providers::user_for_update(&mut tx, ctx.subject(), provider_id).await?;
    let sealed = sealed::apply(&app.secrets, existing.as_ref(), &patch);
    let now = store::now_ms();
    let row =
        store::providers::upsert_user(&mut tx, ctx.subject(), provider_id, &sealed, now).await?;
    let shared = store::shares::for_user(&mut tx, ctx.subject())
        .await?
        .iter()
        .any(|s| s.provider_id == provider_id);
    tx.commit().await?;
    let configured = info.configured(
        row.api_key_enc.is_some(),
        &sealed::open_extra(&app.secrets, &row),
    );
    Ok(UserProviderResponse::own(
        &app.secrets,
        &row,
        configured,
        shared,
    ))
}

/// Removes the caller's own config of a provider; 404 when they have none.
pub async fn remove(
    app: &AppState,
    ctx: &TenantContext,
    provider_id: &str,
) -> Result<Removed, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    if !store::providers::delete_user(&mut tx, ctx.subject(), provider_id).await? {
        return Err(provider_not_found(provider_id));
    }
    tx.commit().await?;
    Ok(Removed {
        provider_id: provider_id.to_owned(),
        status: "removed",
    })
}
