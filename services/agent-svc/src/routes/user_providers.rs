//! `/v1/users/me/providers`: a user's own provider keys, next to the providers an admin shared
//! with them (contract §1.1 users rows, §10; spec §2.8). The user is always the token's.

use std::collections::BTreeMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::{Path, State};
use kit::ApiError;
use kit::auth::scope::UserOnly;
use kit::crypto::SecretBox;
use kit::extract::ValidJson;
use serde::Serialize;

use crate::AppState;
use crate::domain::providers;
use crate::domain::sealed;
use crate::routes::providers::{ProviderConfig, Removed, info_for, provider_not_found};
use crate::store::{self, providers::ProviderRow};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(upsert, remove))
}

/// One provider of the user: their own config (masked) and/or an admin's share.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserProviderResponse {
    pub provider_id: String,
    pub enabled: bool,
    pub configured: bool,
    pub masked_api_key: Option<String>,
    pub masked_extra_config: Option<BTreeMap<String, String>>,
    pub shared_by_admin: bool,
}

impl UserProviderResponse {
    fn own(secrets: &SecretBox, row: &ProviderRow, configured: bool, shared: bool) -> Self {
        let extra = sealed::open_extra(secrets, row);
        Self {
            provider_id: row.provider_id.clone(),
            enabled: row.enabled,
            configured,
            masked_api_key: row.api_key_masked.clone(),
            masked_extra_config: (!extra.is_empty()).then(|| providers::split_extra(&extra).0),
            shared_by_admin: shared,
        }
    }
}

/// The caller's own provider configs, then the providers shared with them (no key shown).
#[utoipa::path(get, path = "/v1/users/me/providers", tag = "users",
    responses((status = 200, body = [UserProviderResponse])))]
async fn list(
    State(app): State<AppState>,
    UserOnly(ctx): UserOnly,
) -> Result<Json<Vec<UserProviderResponse>>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
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
    Ok(Json(out))
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
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    let custom = store::providers::tenant_for_update(&mut tx, &provider_id).await?;
    let info =
        info_for(&provider_id, custom.as_ref()).ok_or_else(|| provider_not_found(&provider_id))?;
    let patch = body.check_for(&provider_id, &info)?;
    let existing = store::providers::user_for_update(&mut tx, ctx.subject(), &provider_id).await?;
    let sealed = sealed::apply(&app.secrets, existing.as_ref(), &patch);
    let now = store::now_ms();
    let row =
        store::providers::upsert_user(&mut tx, ctx.subject(), &provider_id, &sealed, now).await?;
    let shared = store::shares::for_user(&mut tx, ctx.subject())
        .await?
        .iter()
        .any(|s| s.provider_id == provider_id);
    tx.commit().await?;
    let configured = info.configured(
        row.api_key_enc.is_some(),
        &sealed::open_extra(&app.secrets, &row),
    );
    Ok(Json(UserProviderResponse::own(
        &app.secrets,
        &row,
        configured,
        shared,
    )))
}

/// Removes the caller's own config of a provider; 404 when they have none.
#[utoipa::path(delete, path = "/v1/users/me/providers/{provider_id}", tag = "users",
    responses((status = 200, body = Removed), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path(provider_id): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    if !store::providers::delete_user(&mut tx, ctx.subject(), &provider_id).await? {
        return Err(provider_not_found(&provider_id));
    }
    tx.commit().await?;
    Ok(Json(Removed {
        provider_id,
        status: "removed",
    }))
}
