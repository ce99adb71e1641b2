//! `/v1/settings/providers`: the tenant's model providers — the catalog merged with the
//! tenant's config, custom OpenAI-compatible providers, and the engine's key resolution
//! (contract §1.3 settings, §10 "Model providers"; spec §2.5, §2.8).

use std::collections::BTreeMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::ServiceOnly;
use kit::crypto::SecretBox;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, TenantContext};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::AppState;
use crate::domain::key_resolution::{self, DailyUse, ResolvedKeys};
use crate::domain::providers::{self, ExtraFieldSpec, ProviderInfo, validate_key};
use crate::domain::sealed::{self, ConfigPatch};
use crate::domain::settings::curated_models;
use crate::domain::validate::{self, MAX_NAME, err, finish};
use crate::routes::support::{ValidQuery, require_admin};
use crate::store::{self, providers::ProviderRow};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create_custom))
        .routes(routes!(keys_all))
        .routes(routes!(upsert, remove))
}

/// A provider with the tenant's config; keys and secret-like extra values only masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelProviderResponse {
    pub provider_id: String,
    pub enabled: bool,
    pub configured: bool,
    pub name: String,
    pub description: String,
    pub api_key_env_var: String,
    pub docs_url: String,
    #[schema(value_type = Vec<Object>)]
    pub models: Vec<Map<String, Value>>,
    pub extra_fields: Vec<ExtraFieldSpec>,
    pub is_custom: bool,
    pub masked_api_key: Option<String>,
    pub masked_extra_config: Option<BTreeMap<String, String>>,
    pub plain_extra_config: Option<BTreeMap<String, String>>,
}

impl ModelProviderResponse {
    pub fn build(secrets: &SecretBox, info: ProviderInfo, row: Option<&ProviderRow>) -> Self {
        let extra = row
            .map(|r| sealed::open_extra(secrets, r))
            .unwrap_or_default();
        let has_key = row.is_some_and(|r| r.api_key_enc.is_some());
        let (masked, plain) = providers::split_extra(&extra);
        Self {
            enabled: row.is_none_or(|r| r.enabled),
            configured: info.configured(has_key, &extra),
            models: curated_models(&info.id),
            provider_id: info.id,
            name: info.name,
            description: info.description,
            api_key_env_var: info.api_key_env_var,
            docs_url: info.docs_url,
            extra_fields: info.extra_fields,
            is_custom: info.is_custom,
            masked_api_key: row.and_then(|r| r.api_key_masked.clone()),
            masked_extra_config: (!extra.is_empty()).then_some(masked),
            plain_extra_config: (!extra.is_empty()).then_some(plain),
        }
    }
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCustomProvider {
    pub name: String,
    /// Lower-case letters, digits and hyphens; the provider becomes `custom-{slug}`.
    pub slug: String,
    pub base_url: String,
    pub api_key: Option<String>,
}

impl Validate for CreateCustomProvider {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut e);
        if !validate::is_slug(&self.slug) || self.slug.len() > providers::MAX_CUSTOM_SLUG {
            e.push(err(
                "slug",
                "must be 1 to 48 lower-case letters, digits or inner hyphens",
            ));
        }
        if !providers::is_http_url(&self.base_url) {
            e.push(err("baseUrl", "must be an http(s) URL"));
        }
        if let Some(key) = &self.api_key {
            validate_key("apiKey", key, &mut e);
        }
        finish(e)
    }
}

/// `PUT /v1/settings/providers/{id}` and `PUT /v1/users/me/providers/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderConfig {
    /// Optional; when given it must equal the path's provider.
    pub provider_id: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// A new key; `""` clears it; absent keeps it.
    pub api_key: Option<String>,
    /// Env vars to set; a `""` value removes one; absent keeps them all.
    pub extra_config: Option<BTreeMap<String, String>>,
}

fn yes() -> bool {
    true
}

impl Validate for ProviderConfig {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if let Some(key) = &self.api_key {
            validate_key("apiKey", key, &mut e);
        }
        finish(e)
    }
}

impl ProviderConfig {
    /// The checks that need the provider: the path agrees, the extra config is allowed.
    pub fn check_for(
        &self,
        path_id: &str,
        info: &ProviderInfo,
    ) -> Result<ConfigPatch<'_>, ApiError> {
        let mut e = Vec::new();
        if self.provider_id.as_deref().is_some_and(|id| id != path_id) {
            e.push(err("providerId", "must match the provider in the path"));
        }
        if let Some(extra) = &self.extra_config {
            info.validate_extra("extraConfig", extra, &mut e);
        }
        finish(e).map_err(ApiError::validation)?;
        Ok(ConfigPatch {
            enabled: self.enabled,
            api_key: self.api_key.as_deref(),
            extra: self.extra_config.as_ref(),
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    pub provider_id: String,
    pub status: &'static str,
}

/// Every catalog provider and the tenant's custom ones, with the tenant's config masked.
#[utoipa::path(get, path = "/v1/settings/providers", tag = "settings",
    responses((status = 200, body = [ModelProviderResponse])))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
) -> Result<Json<Vec<ModelProviderResponse>>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
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
    Ok(Json(catalog.chain(custom).collect()))
}

/// Adds a custom OpenAI-compatible provider `custom-{slug}` (tenant admins); 409 if it exists.
#[utoipa::path(post, path = "/v1/settings/providers", tag = "settings",
    request_body = CreateCustomProvider, responses((status = 201, body = ModelProviderResponse),
    (status = 403), (status = 409), (status = 422)))]
async fn create_custom(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<CreateCustomProvider>,
) -> Result<(StatusCode, Json<ModelProviderResponse>), ApiError> {
    require_admin(&ctx)?;
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
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    let row =
        store::providers::insert_custom(&mut tx, &id, body.name.trim(), &sealed, store::now_ms())
            .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(ModelProviderResponse::build(&app.secrets, info, Some(&row))),
    ))
}

/// Sets or rotates a provider's key, enables/disables it, changes its extra config (admins).
#[utoipa::path(put, path = "/v1/settings/providers/{provider_id}", tag = "settings",
    request_body = ProviderConfig, responses((status = 200, body = ModelProviderResponse),
    (status = 403), (status = 404), (status = 422)))]
async fn upsert(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(provider_id): Path<String>,
    ValidJson(body): ValidJson<ProviderConfig>,
) -> Result<Json<ModelProviderResponse>, ApiError> {
    require_admin(&ctx)?;
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    let existing = store::providers::tenant_for_update(&mut tx, &provider_id).await?;
    let info = info_for(&provider_id, existing.as_ref())
        .ok_or_else(|| provider_not_found(&provider_id))?;
    let patch = body.check_for(&provider_id, &info)?;
    let sealed = sealed::apply(&app.secrets, existing.as_ref(), &patch);
    let row =
        store::providers::upsert_tenant(&mut tx, &provider_id, &sealed, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json(ModelProviderResponse::build(
        &app.secrets,
        info,
        Some(&row),
    )))
}

/// Removes the tenant's config of a provider (key, extra config, shares); a custom provider
/// disappears entirely. 404 when the tenant has no config for it.
#[utoipa::path(delete, path = "/v1/settings/providers/{provider_id}", tag = "settings",
    responses((status = 200, body = Removed), (status = 403), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(provider_id): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    require_admin(&ctx)?;
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    if !store::providers::delete_tenant(&mut tx, &provider_id).await? {
        return Err(provider_not_found(&provider_id));
    }
    tx.commit().await?;
    Ok(Json(Removed {
        provider_id,
        status: "removed",
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KeysQuery {
    /// Resolve strictly for this user of the tenant (own key, else admin share, else blocked).
    pub user_id: Option<String>,
}

impl Validate for KeysQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if let Some(u) = &self.user_id
            && (u.is_empty()
                || u.len() > 64
                || u.chars().any(|c| c.is_control() || c.is_whitespace()))
        {
            e.push(err("user_id", "must be a user id"));
        }
        finish(e)
    }
}

/// Plaintext keys for the engine to inject into a run (service credentials of the tenant only).
#[utoipa::path(get, path = "/v1/settings/providers/keys/all", tag = "settings", params(KeysQuery),
    responses((status = 200, body = ResolvedKeys), (status = 403)))]
async fn keys_all(
    State(app): State<AppState>,
    ServiceOnly(ctx): ServiceOnly,
    ValidQuery(q): ValidQuery<KeysQuery>,
) -> Result<Json<ResolvedKeys>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    let rows = store::providers::list_tenant(&mut tx).await?;
    let tenant = creds_of(&app.secrets, &rows, None);
    let Some(user_id) = q.user_id else {
        tx.commit().await?;
        return Ok(Json(key_resolution::for_tenant(&tenant)));
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
    Ok(Json(key_resolution::for_user(
        &user_id, &tenant, &own, &shares, &usage, now,
    )))
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
