//! Request and response types of the routes in `routes::providers`.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::crypto::SecretBox;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::providers::{self, ExtraFieldSpec, ProviderInfo, validate_key};
use crate::domain::sealed::{self, ConfigPatch};
use crate::domain::settings::curated_models;
use crate::domain::validate::{self, MAX_NAME, err, finish};
use crate::store::providers::ProviderRow;

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

fn yes() -> bool {
    true
}
