//! Request and response bodies of the `providers` routes.

use serde::{Deserialize, Serialize};

use crate::domain::oidc::ProviderScope;
use crate::flows::oidc::providers::ProviderOut;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScopeQuery {
    /// `tenant` (default) or `platform`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub scope: ProviderScope,
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
