//! Provider credentials at rest: API keys and extra config are sealed with the service's
//! `SecretBox` (AES-256-GCM) before they reach SQL, and opened only to answer the engine's
//! `keys/all` or to merge an extra-config patch.

use std::collections::BTreeMap;

use kit::crypto::SecretBox;

use crate::domain::key_resolution::Creds;
use crate::domain::providers::{ProviderInfo, merge_extra};
use kit::crypto::mask;

/// A provider configuration as stored (tenant or user): secrets as ciphertexts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProviderRow {
    pub provider_id: String,
    pub enabled: bool,
    pub api_key_enc: Option<String>,
    pub api_key_masked: Option<String>,
    pub extra_config_enc: Option<String>,
    pub display_name: Option<String>,
    pub is_custom: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a write stores: ciphertexts and the mask shown in lists.
#[derive(Debug, Clone, Default)]
pub struct SealedConfig {
    pub enabled: bool,
    pub api_key_enc: Option<String>,
    pub api_key_masked: Option<String>,
    pub extra_config_enc: Option<String>,
}

/// The key of a row, or None. A value this key cannot open (the encryption key was changed
/// without re-encrypting) counts as absent and is logged, so one bad row cannot stop every run.
pub fn open_key(secrets: &SecretBox, row: &ProviderRow) -> Option<String> {
    let sealed = row.api_key_enc.as_deref()?;
    match secrets.decrypt(sealed) {
        Ok(key) => Some(key),
        Err(e) => {
            tracing::error!(provider = %row.provider_id, error = %e, "provider key does not decrypt");
            None
        }
    }
}

/// The extra config of a row (empty when none or undecryptable, logged like [`open_key`]).
pub fn open_extra(secrets: &SecretBox, row: &ProviderRow) -> BTreeMap<String, String> {
    let Some(sealed) = row.extra_config_enc.as_deref() else {
        return BTreeMap::new();
    };
    match secrets.decrypt(sealed).map(|j| serde_json::from_str(&j)) {
        Ok(Ok(map)) => map,
        _ => {
            tracing::error!(provider = %row.provider_id, "provider extra config does not decrypt");
            BTreeMap::new()
        }
    }
}

pub fn seal_extra(secrets: &SecretBox, extra: &BTreeMap<String, String>) -> Option<String> {
    if extra.is_empty() {
        return None;
    }
    serde_json::to_string(extra)
        .ok()
        .map(|json| secrets.encrypt(&json))
}

/// A change of a provider's config: `api_key` `None` keeps the key, `Some("")` clears it;
/// `extra` `None` keeps the extra config, otherwise its entries are merged (empty removes).
#[derive(Debug, Clone, Default)]
pub struct ConfigPatch<'a> {
    pub enabled: bool,
    pub api_key: Option<&'a str>,
    pub extra: Option<&'a BTreeMap<String, String>>,
}

/// The sealed values to store after applying `patch` to `existing`.
pub fn apply(
    secrets: &SecretBox,
    existing: Option<&ProviderRow>,
    patch: &ConfigPatch<'_>,
) -> SealedConfig {
    let (api_key_enc, api_key_masked) = match patch.api_key.map(str::trim) {
        Some("") => (None, None),
        Some(key) => (Some(secrets.encrypt(key)), Some(mask(key))),
        None => (
            existing.and_then(|r| r.api_key_enc.clone()),
            existing.and_then(|r| r.api_key_masked.clone()),
        ),
    };
    let extra_config_enc = match patch.extra {
        Some(changes) => {
            let mut current = existing.map(|r| open_extra(secrets, r)).unwrap_or_default();
            merge_extra(&mut current, changes);
            seal_extra(secrets, &current)
        }
        None => existing.and_then(|r| r.extra_config_enc.clone()),
    };
    SealedConfig {
        enabled: patch.enabled,
        api_key_enc,
        api_key_masked,
        extra_config_enc,
    }
}

/// The decrypted credentials of a row, for key resolution.
pub fn creds(secrets: &SecretBox, info: &ProviderInfo, row: &ProviderRow) -> Creds {
    let api_key = open_key(secrets, row);
    let extra = open_extra(secrets, row);
    Creds {
        provider_id: row.provider_id.clone(),
        enabled: row.enabled,
        configured: info.configured(api_key.is_some(), &extra),
        api_key,
        extra,
    }
}
