//! Which endpoint, wire and key a `provider/model` string means.
//!
//! Built-in providers have a public base URL that `{PROVIDER}_BASE_URL` overrides and a key in
//! `{PROVIDER}_API_KEY`; custom OpenAI-compatible providers `custom-{slug}` take both from
//! `CUSTOM_{SLUG}_BASE_URL` and `CUSTOM_{SLUG}_API_KEY` (agent-svc's naming, `-` → `_`).

use std::collections::BTreeMap;

use secrecy::SecretString;

/// The two HTTP dialects the runtime speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// `POST {base}/chat/completions`, `Authorization: Bearer`.
    OpenAi,
    /// `POST {base}/v1/messages`, `x-api-key`.
    Anthropic,
}

/// Built-in providers: id, wire, default base URL.
const BUILT_IN: &[(&str, Wire, &str)] = &[
    ("openai", Wire::OpenAi, "https://api.openai.com/v1"),
    ("openrouter", Wire::OpenAi, "https://openrouter.ai/api/v1"),
    ("anthropic", Wire::Anthropic, "https://api.anthropic.com"),
    ("xai", Wire::OpenAi, "https://api.x.ai/v1"),
    ("groq", Wire::OpenAi, "https://api.groq.com/openai/v1"),
    ("mistral", Wire::OpenAi, "https://api.mistral.ai/v1"),
    ("cerebras", Wire::OpenAi, "https://api.cerebras.ai/v1"),
    (
        "gemini",
        Wire::OpenAi,
        "https://generativelanguage.googleapis.com/v1beta/openai",
    ),
];

/// Where one model is served.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The provider id (`openai`, `custom-fake`, …).
    pub provider: String,
    pub wire: Wire,
    /// Without a trailing slash.
    pub base_url: String,
    pub api_key: Option<SecretString>,
    /// The model id the provider knows (`gpt-4o`, `vendor/model` for OpenRouter).
    pub model: String,
}

/// The provider keys and base-URL overrides of the environment.
#[derive(Debug, Clone, Default)]
pub struct Providers {
    keys: BTreeMap<String, SecretString>,
    base_urls: BTreeMap<String, String>,
}

fn env_prefix(provider: &str) -> String {
    match provider.strip_prefix("custom-") {
        Some(slug) => format!("CUSTOM_{}", slug.to_ascii_uppercase().replace('-', "_")),
        None => provider.to_ascii_uppercase().replace('-', "_"),
    }
}

impl Providers {
    /// Keeps every `*_API_KEY` and `*_BASE_URL` of `vars`.
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Self {
        let mut out = Self::default();
        for (name, value) in vars.iter().filter(|(_, v)| !v.is_empty()) {
            if let Some(prefix) = name.strip_suffix("_API_KEY") {
                out.keys
                    .insert(prefix.to_owned(), SecretString::from(value.clone()));
            } else if let Some(prefix) = name.strip_suffix("_BASE_URL") {
                out.base_urls.insert(prefix.to_owned(), value.clone());
            }
        }
        out
    }

    /// The endpoint of `provider/model`.
    pub fn resolve(&self, model: &str) -> Result<Endpoint, String> {
        let Some((provider, model_id)) = model
            .split_once('/')
            .filter(|(p, m)| !p.is_empty() && !m.is_empty())
        else {
            return Err(format!("model `{model}` is not `provider/model`"));
        };
        let prefix = env_prefix(provider);
        let (wire, base) = if provider.starts_with("custom-") {
            let base =
                self.base_urls.get(&prefix).cloned().ok_or_else(|| {
                    format!("custom provider `{provider}` needs {prefix}_BASE_URL")
                })?;
            (Wire::OpenAi, base)
        } else {
            let Some((_, wire, default)) = BUILT_IN.iter().find(|(id, _, _)| *id == provider)
            else {
                return Err(format!("unknown provider `{provider}`"));
            };
            let base = self
                .base_urls
                .get(&prefix)
                .cloned()
                .unwrap_or_else(|| (*default).to_owned());
            (*wire, base)
        };
        Ok(Endpoint {
            provider: provider.to_owned(),
            wire,
            base_url: base.trim_end_matches('/').to_owned(),
            api_key: self.keys.get(&prefix).cloned(),
            model: model_id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    fn providers(vars: &[(&str, &str)]) -> Providers {
        Providers::from_vars(
            &vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn built_ins_have_defaults_and_overrides() {
        let p = providers(&[
            ("OPENAI_API_KEY", "sk-1"),
            ("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/"),
        ]);
        let openai = p.resolve("openai/gpt-4o").expect("openai");
        assert_eq!(
            (openai.wire, openai.base_url.as_str(), openai.model.as_str()),
            (Wire::OpenAi, "https://api.openai.com/v1", "gpt-4o")
        );
        assert_eq!(openai.api_key.expect("key").expose_secret(), "sk-1");
        let anthropic = p.resolve("anthropic/claude-sonnet-4").expect("anthropic");
        assert_eq!(
            (anthropic.wire, anthropic.base_url.as_str()),
            (Wire::Anthropic, "http://127.0.0.1:9")
        );
        assert!(anthropic.api_key.is_none());
        let routed = p.resolve("openrouter/meta/llama-3").expect("openrouter");
        assert_eq!(routed.model, "meta/llama-3");
    }

    #[test]
    fn custom_providers_need_a_base_url() {
        let p = providers(&[
            ("CUSTOM_MY_FAKE_BASE_URL", "http://127.0.0.1:1/v1"),
            ("CUSTOM_MY_FAKE_API_KEY", "k"),
        ]);
        let fake = p.resolve("custom-my-fake/m1").expect("custom");
        assert_eq!(
            (fake.wire, fake.provider.as_str()),
            (Wire::OpenAi, "custom-my-fake")
        );
        assert!(p.resolve("custom-other/m1").is_err());
        assert!(p.resolve("nowhere/m1").is_err());
        assert!(p.resolve("gpt-4o").is_err());
    }
}
