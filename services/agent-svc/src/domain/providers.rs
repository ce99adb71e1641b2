//! The model provider catalog (contract §10 "Model providers"), custom OpenAI-compatible
//! providers, and the rules for keys and extra config (which env vars a provider may set, which
//! values count as secret and are masked).

use std::collections::BTreeMap;

use kit::error::FieldError;
use serde::Serialize;

pub use crate::domain::provider_catalog::{catalog, from_catalog};
use crate::domain::validate::{err, is_slug};
use kit::crypto::mask;

/// One extra environment variable a provider takes besides its key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtraFieldSpec {
    pub env_var: String,
    pub label: String,
    pub placeholder: String,
    pub description: String,
    pub required: bool,
}

pub const CUSTOM_PREFIX: &str = "custom-";
pub const MAX_CUSTOM_SLUG: usize = 48;
pub const MAX_KEY: usize = 4096;
pub const MAX_EXTRA_VALUE: usize = 4096;
pub const MAX_EXTRA_KEYS: usize = 32;

/// A provider as the API describes it: a catalog entry or one of the tenant's custom ones.
#[derive(Debug, Clone)]
pub struct ProviderInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub api_key_env_var: String,
    pub docs_url: String,
    pub env_prefix: String,
    pub key_optional: bool,
    pub extra_fields: Vec<ExtraFieldSpec>,
    pub is_custom: bool,
}

impl ProviderInfo {
    /// A custom OpenAI-compatible provider `custom-{slug}`: `CUSTOM_{SLUG}_API_KEY` plus its
    /// base URL in `CUSTOM_{SLUG}_BASE_URL`.
    pub fn custom(provider_id: &str, display_name: &str) -> Self {
        let slug = provider_id
            .strip_prefix(CUSTOM_PREFIX)
            .unwrap_or(provider_id);
        let prefix = format!("CUSTOM_{}_", slug.to_ascii_uppercase().replace('-', "_"));
        Self {
            id: provider_id.to_owned(),
            name: display_name.to_owned(),
            description: "Custom OpenAI-compatible provider".to_owned(),
            api_key_env_var: format!("{prefix}API_KEY"),
            docs_url: String::new(),
            extra_fields: vec![ExtraFieldSpec {
                env_var: format!("{prefix}BASE_URL"),
                label: "Base URL".to_owned(),
                placeholder: "https://llm.example.com/v1".to_owned(),
                description: "OpenAI-compatible endpoint".to_owned(),
                required: true,
            }],
            env_prefix: prefix,
            key_optional: true,
            is_custom: true,
        }
    }

    pub fn base_url_env(&self) -> Option<&str> {
        self.is_custom
            .then(|| self.extra_fields.first().map(|f| f.env_var.as_str()))
            .flatten()
    }

    /// Whether a key (or, for env-based providers, the required extra config) is present.
    pub fn configured(&self, has_key: bool, extra: &BTreeMap<String, String>) -> bool {
        if has_key {
            return true;
        }
        let required: Vec<_> = self.extra_fields.iter().filter(|f| f.required).collect();
        self.key_optional
            && !required.is_empty()
            && required.iter().all(|f| extra.contains_key(&f.env_var))
    }

    /// Checks extra config keys and values; an empty value means "remove this key".
    pub fn validate_extra(
        &self,
        path: &str,
        extra: &BTreeMap<String, String>,
        errors: &mut Vec<FieldError>,
    ) {
        if extra.len() > MAX_EXTRA_KEYS {
            errors.push(err(path, format!("at most {MAX_EXTRA_KEYS} entries")));
        }
        for (key, value) in extra {
            let at = format!("{path}.{key}");
            let declared = self.extra_fields.iter().any(|f| &f.env_var == key);
            if !is_env_name(key) {
                errors.push(err(
                    &at,
                    "must be an environment variable name (A-Z, 0-9, _)",
                ));
            } else if key == &self.api_key_env_var {
                errors.push(err(&at, "set the key through apiKey"));
            } else if !declared && !key.starts_with(&self.env_prefix) {
                errors.push(err(
                    &at,
                    format!("must be a declared field or start with {}", self.env_prefix),
                ));
            }
            if value.len() > MAX_EXTRA_VALUE || value.chars().any(char::is_control) {
                errors.push(err(
                    &at,
                    format!("must be at most {MAX_EXTRA_VALUE} bytes without control characters"),
                ));
            }
            if Some(key.as_str()) == self.base_url_env() && !value.is_empty() && !is_http_url(value)
            {
                errors.push(err(&at, "must be an http(s) URL"));
            }
        }
    }
}

pub fn custom_id(slug: &str) -> String {
    format!("{CUSTOM_PREFIX}{slug}")
}

pub fn is_custom_id(provider_id: &str) -> bool {
    provider_id
        .strip_prefix(CUSTOM_PREFIX)
        .is_some_and(|slug| is_slug(slug) && slug.len() <= MAX_CUSTOM_SLUG)
}

fn is_env_name(key: &str) -> bool {
    let b = key.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

/// `http://` or `https://` with a host, nothing that is not a URL.
pub fn is_http_url(value: &str) -> bool {
    let Ok(uri) = value.parse::<axum::http::Uri>() else {
        return false;
    };
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    scheme_ok && host_ok && value.len() <= 2048 && !value.contains(char::is_whitespace)
}

/// An API key as given: trimmed, bounded, one token.
pub fn validate_key(path: &str, key: &str, errors: &mut Vec<FieldError>) {
    let key = key.trim();
    if key.len() > MAX_KEY || key.chars().any(|c| c.is_control() || c.is_whitespace()) {
        errors.push(err(
            path,
            format!("must be at most {MAX_KEY} bytes without spaces"),
        ));
    }
}

/// Values that look like credentials (by their variable's name) are masked in responses.
pub fn is_secret_like(env_var: &str) -> bool {
    ["KEY", "SECRET", "TOKEN", "PASSWORD", "CREDENTIAL"]
        .iter()
        .any(|w| env_var.contains(w))
}

/// (every key with secret-like values masked, only the non-secret keys in plain).
pub fn split_extra(
    extra: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut masked = BTreeMap::new();
    let mut plain = BTreeMap::new();
    for (k, v) in extra {
        if is_secret_like(k) {
            masked.insert(k.clone(), mask(v));
        } else {
            masked.insert(k.clone(), v.clone());
            plain.insert(k.clone(), v.clone());
        }
    }
    (masked, plain)
}

/// Applies a patch of extra config: non-empty values set, empty values remove.
pub fn merge_extra(current: &mut BTreeMap<String, String>, patch: &BTreeMap<String, String>) {
    for (k, v) in patch {
        if v.is_empty() {
            current.remove(k);
        } else {
            current.insert(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_knows_the_reference_providers() {
        let anthropic = from_catalog("anthropic").expect("anthropic");
        assert_eq!(anthropic.api_key_env_var, "ANTHROPIC_API_KEY");
        assert_eq!(
            from_catalog("huggingface").expect("hf").api_key_env_var,
            "HF_TOKEN"
        );
        assert_eq!(catalog().count(), 19);
        assert!(from_catalog("nope").is_none());
    }

    #[test]
    fn custom_providers_get_their_env_names() {
        let c = ProviderInfo::custom("custom-my-llm", "Mine");
        assert_eq!(c.api_key_env_var, "CUSTOM_MY_LLM_API_KEY");
        assert_eq!(c.base_url_env(), Some("CUSTOM_MY_LLM_BASE_URL"));
        assert!(is_custom_id("custom-my-llm"));
        assert!(!is_custom_id("custom-"));
        assert!(!is_custom_id("custom-UP"));
    }

    #[test]
    fn extra_config_cannot_set_arbitrary_env_vars() {
        let azure = from_catalog("azure-openai-responses").expect("azure");
        let mut errors = Vec::new();
        let extra: BTreeMap<_, _> = [
            ("AZURE_OPENAI_BASE_URL", "https://x.openai.azure.com"),
            ("LD_PRELOAD", "/tmp/x.so"),
            ("AZURE_OPENAI_API_KEY", "k"),
            ("lower", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        azure.validate_extra("extraConfig", &extra, &mut errors);
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "extraConfig.AZURE_OPENAI_API_KEY",
                "extraConfig.LD_PRELOAD",
                "extraConfig.lower"
            ]
        );
    }

    #[test]
    fn urls_and_masks() {
        assert!(is_http_url("https://llm.example.com/v1"));
        assert!(is_http_url("http://10.0.0.1:8080"));
        for bad in [
            "ftp://x",
            "llm.example.com",
            "https://",
            "javascript:alert(1)",
            "http://a b",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
        let extra: BTreeMap<_, _> = [
            ("AWS_SECRET_ACCESS_KEY", "abcdefghijklmnop"),
            ("AWS_REGION", "eu-west-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (masked, plain) = split_extra(&extra);
        assert_ne!(masked["AWS_SECRET_ACCESS_KEY"], "abcdefghijklmnop");
        assert_eq!(masked["AWS_REGION"], "eu-west-1");
        assert!(!plain.contains_key("AWS_SECRET_ACCESS_KEY"));
    }
}
