//! Request and response bodies of the `providers` routes.

use serde::{Deserialize, Serialize};

use crate::domain::oidc::ProviderScope;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScopeQuery {
    /// `tenant` (default) or `platform`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub scope: ProviderScope,
}

/// The scope is checked by its own parse (`tenant` or `platform`).
impl kit::extract::Validate for ScopeQuery {
    fn validate(&self) -> Result<(), Vec<kit::error::FieldError>> {
        Ok(())
    }
}

/// A changed provider with the outcome, as the reference answers (`id`, `slug`, `status`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Changed {
    pub status: &'static str,
    #[serde(flatten)]
    pub provider: ProviderOut,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deleted {
    pub id: String,
    pub status: &'static str,
}

/// A provider as administrators see it: the client secret only masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderOut {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// `tenant` or `platform`.
    pub scope: &'static str,
    pub tenant_id: Option<String>,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: String,
    pub button_text: Option<String>,
    pub button_color: Option<String>,
    pub icon_url: Option<String>,
    pub auto_discovery: bool,
    pub enabled: bool,
    /// Email domains whose existing accounts logins may link by email (platform providers).
    pub trusted_email_domains: Vec<String>,
    /// Logins without an `email_verified` claim may create new accounts.
    pub allow_unverified_email: bool,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What `/test` found at the provider.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryReport {
    pub status: &'static str,
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
    /// Signing keys published at `jwksUri`.
    pub keys: usize,
}
