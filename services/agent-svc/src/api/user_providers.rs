//! Request and response types of the routes in `routes::user_providers`.

use std::collections::BTreeMap;

use kit::crypto::SecretBox;
use serde::Serialize;

use crate::domain::providers;
use crate::domain::sealed;
use crate::store::providers::ProviderRow;

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
    pub fn own(secrets: &SecretBox, row: &ProviderRow, configured: bool, shared: bool) -> Self {
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
