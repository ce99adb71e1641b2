//! Request and response types of `/v1/agents/{agent_id}/channels` (contract §10).

use std::collections::BTreeMap;

use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::channels::{self, ChannelSpec, ExtraField};
use crate::store::channels::Credential;

/// A catalog channel as the settings page shows it: labels from the catalog, tokens masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    pub agent_id: String,
    pub channel: String,
    pub name: String,
    pub description: String,
    pub docs_url: Option<String>,
    pub shared_channel: bool,
    pub configured: bool,
    pub enabled: bool,
    pub primary_token_label: Option<String>,
    pub primary_token_env_var_suffix: Option<String>,
    pub primary_token_hint: Option<String>,
    pub masked_primary_token: Option<String>,
    pub secondary_token_label: Option<String>,
    pub secondary_token_env_var_suffix: Option<String>,
    pub secondary_token_hint: Option<String>,
    pub masked_secondary_token: Option<String>,
    pub extra_fields: Vec<ExtraField>,
    /// The settings (none of them secret), or null when there are none.
    pub masked_extra: Option<BTreeMap<String, String>>,
    pub updated_at: Option<i64>,
}

impl ChannelView {
    pub fn new(agent_id: &str, spec: &ChannelSpec, row: Option<&Credential>) -> Self {
        let empty = BTreeMap::new();
        let extra = row.map_or(&empty, |r| &r.extra_config.0);
        let owned = |s: &str| s.to_owned();
        Self {
            agent_id: agent_id.to_owned(),
            channel: spec.id.to_owned(),
            name: spec.name.to_owned(),
            description: spec.description.to_owned(),
            docs_url: spec.docs_url.map(owned),
            shared_channel: spec.shared,
            configured: row.is_some_and(|r| {
                channels::configured(
                    spec,
                    r.enabled,
                    r.primary_token.is_some(),
                    r.secondary_token.is_some(),
                    extra,
                )
            }),
            enabled: row.is_some_and(|r| r.enabled),
            primary_token_label: spec.primary.map(|t| t.label.to_owned()),
            primary_token_env_var_suffix: spec.primary.map(|t| t.env_suffix.to_owned()),
            primary_token_hint: spec.primary.map(|t| t.hint.to_owned()),
            masked_primary_token: row.and_then(|r| r.primary_token_masked.clone()),
            secondary_token_label: spec.secondary.map(|t| t.label.to_owned()),
            secondary_token_env_var_suffix: spec.secondary.map(|t| t.env_suffix.to_owned()),
            secondary_token_hint: spec.secondary.map(|t| t.hint.to_owned()),
            masked_secondary_token: row.and_then(|r| r.secondary_token_masked.clone()),
            extra_fields: spec.extra_fields.to_vec(),
            masked_extra: (!extra.is_empty()).then(|| extra.clone()),
            updated_at: row.map(|r| r.updated_at),
        }
    }
}

/// A partial change: absent fields (and empty tokens) keep what is stored; an empty setting
/// value removes that setting.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpsertChannel {
    pub enabled: Option<bool>,
    pub primary_token: Option<String>,
    pub secondary_token: Option<String>,
    pub extra_config: Option<BTreeMap<String, String>>,
}

/// The channel-specific checks need the channel from the path; they run in the handler.
impl Validate for UpsertChannel {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelRemoved {
    pub status: &'static str,
    pub agent_id: String,
    pub channel: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelKey {
    pub primary_token: Option<String>,
    pub secondary_token: Option<String>,
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelKeys {
    pub channels: BTreeMap<String, ChannelKey>,
}
