//! What a step's runtime needs from agent-svc, asked outside any transaction: the agent's persona
//! and the model it runs when neither the run nor the pipeline names one, the provider keys the
//! run may use (`keys/all` for the run's key user) and the secrets granted to the agent. Keys and
//! secrets come over agent-svc's internal paths: they travel only between our services and into
//! the runtime's environment.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::client::ServiceClient;
use serde::Deserialize;
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

#[derive(Clone)]
pub struct AgentEnv {
    client: ServiceClient,
    base_url: String,
}

#[derive(Deserialize, Default)]
struct AgentConfig {
    model: Option<String>,
}

/// agent-svc's `GET /v1/agents/{agent}`: the persona files by name and the config.
#[derive(Deserialize, Default)]
struct AgentDetail {
    #[serde(default)]
    files: BTreeMap<String, Value>,
    #[serde(default)]
    config: AgentConfig,
}

#[derive(Deserialize, Default)]
struct SecretEnv {
    #[serde(default)]
    env: BTreeMap<String, String>,
}

/// The persona files in the order the agent reads them (agent-svc's names).
const PERSONA_FILES: [&str; 4] = ["IDENTITY.md", "SOUL.md", "AGENTS.md", "DECISION.md"];
/// The most persona text a system prompt carries (each file is up to 1 MiB in agent-svc).
const PERSONA_BUDGET: usize = 64 * 1024;

/// Who the agent is, for its runtime.
pub struct AgentProfile {
    /// Its persona files, joined under their names (empty when it has none).
    pub persona: String,
    /// Its own model, else the tenant's default working model.
    pub model: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Settings {
    default_working_model: Option<String>,
}

#[derive(Deserialize, Default)]
struct ResolvedKeys {
    #[serde(default)]
    keys: BTreeMap<String, String>,
    #[serde(default)]
    extra: BTreeMap<String, String>,
    #[serde(default)]
    key_sources: BTreeMap<String, Value>,
}

/// The provider variables of a runtime and what to record on the run about where they came from.
pub struct ProviderEnv {
    pub env: BTreeMap<String, String>,
    /// `{userId, source, resolvedProviders, providerSources}` (masked keys only).
    pub key_resolution: Value,
}

impl ProviderEnv {
    /// Keeps only the key (and settings) of `model`'s provider: a runtime never holds keys it
    /// does not use. No key for that provider is an error naming it, recorded as the reason.
    pub fn narrow_to(&mut self, model: Option<&str>) -> Result<(), String> {
        let Some(model) = model else {
            return Err(
                "no model to run: set the agent's model or the tenant's default \
                        working model"
                    .to_owned(),
            );
        };
        let provider = model.split('/').next().unwrap_or_default();
        let Some(key_var) = key_variable(provider) else {
            return Err(format!("`{model}` names no known provider"));
        };
        let prefix = key_var.trim_end_matches("API_KEY").to_owned();
        if !self.env.contains_key(&key_var) {
            return Err(format!(
                "no API key for provider `{provider}`: add one in the provider settings (the \
                 tenant's, or the key user's own)"
            ));
        }
        self.env.retain(|name, _| name.starts_with(&prefix));
        self.key_resolution["modelProvider"] = Value::from(provider);
        Ok(())
    }
}

impl AgentEnv {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The agent's persona and model: its own config's model, else the tenant's default working
    /// model.
    pub async fn profile(&self, tenant: &TenantId, agent: &str) -> Result<AgentProfile, ApiError> {
        let detail: AgentDetail = self
            .client
            .get(format!("{}/v1/agents/{agent}", self.base_url))
            .for_tenant(tenant)
            .send_json()
            .await
            .map_err(ApiError::from)?;
        let persona = persona(&detail.files);
        if let Some(model) = detail.config.model.filter(|m| !m.trim().is_empty()) {
            return Ok(AgentProfile {
                persona,
                model: Some(model),
            });
        }
        let settings: Settings = self
            .client
            .get(format!("{}/v1/settings/", self.base_url))
            .for_tenant(tenant)
            .send_json()
            .await
            .map_err(ApiError::from)?;
        Ok(AgentProfile {
            persona,
            model: settings
                .default_working_model
                .filter(|m| !m.trim().is_empty()),
        })
    }

    /// The variables of the secrets granted to `agent`, in clear.
    pub async fn secret_env(
        &self,
        tenant: &TenantId,
        agent: &str,
    ) -> Result<BTreeMap<String, String>, ApiError> {
        let secrets: SecretEnv = self
            .client
            .get(format!(
                "{}/internal/agent/tenants/{tenant}/secrets/agents/{agent}/env",
                self.base_url
            ))
            .internal()
            .send_json()
            .await
            .map_err(ApiError::from)?;
        Ok(secrets.env)
    }

    /// The provider keys of the run (`key_user`'s when the run has one, else the tenant's).
    pub async fn provider_env(
        &self,
        tenant: &TenantId,
        key_user: Option<&str>,
    ) -> Result<ProviderEnv, ApiError> {
        let mut url = format!(
            "{}/internal/agent/tenants/{tenant}/settings/providers/keys/all",
            self.base_url
        );
        if let Some(user) = key_user {
            // Ids are checked when a run is made; a query is still never built from anything else.
            if !user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "the run's key user id is malformed"
                )));
            }
            url.push_str("?user_id=");
            url.push_str(user);
        }
        let resolved: ResolvedKeys = self
            .client
            .get(url)
            .internal()
            .send_json()
            .await
            .map_err(ApiError::from)?;
        Ok(provider_env(&resolved, key_user))
    }
}

/// The persona files under their names, in reading order, cut at [`PERSONA_BUDGET`].
fn persona(files: &BTreeMap<String, Value>) -> String {
    let mut text = String::new();
    for name in PERSONA_FILES {
        let Some(body) = files.get(name).and_then(Value::as_str) else {
            continue;
        };
        if body.trim().is_empty() {
            continue;
        }
        text.push_str(&format!("# {name}\n\n{}\n\n", body.trim()));
    }
    if text.len() > PERSONA_BUDGET {
        let mut cut = PERSONA_BUDGET;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text.trim_end().to_owned()
}

/// `openai` → `OPENAI_API_KEY`, `custom-my-llm` → `CUSTOM_MY_LLM_API_KEY` (agent-svc's naming).
pub fn key_variable(provider: &str) -> Option<String> {
    let upper: String = provider
        .chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    let valid = upper
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && upper.starts_with(|c: char| c.is_ascii_uppercase());
    valid.then(|| format!("{upper}_API_KEY"))
}

fn provider_env(resolved: &ResolvedKeys, key_user: Option<&str>) -> ProviderEnv {
    let mut env = BTreeMap::new();
    for (provider, key) in &resolved.keys {
        if let Some(var) = key_variable(provider) {
            env.insert(var, key.clone());
        }
    }
    // `extra` holds provider settings such as `CUSTOM_{SLUG}_BASE_URL`.
    for (name, value) in &resolved.extra {
        env.entry(name.clone()).or_insert_with(|| value.clone());
    }
    let key_resolution = json!({
        "userId": key_user,
        "source": if key_user.is_some() { "executing_user" } else { "system" },
        "resolvedProviders": resolved.keys.keys().collect::<Vec<_>>(),
        "providerSources": resolved.key_sources,
    });
    ProviderEnv {
        env,
        key_resolution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_persona_is_read_in_order_and_bounded() {
        let files = BTreeMap::from([
            ("SOUL.md".to_owned(), json!("calm")),
            ("IDENTITY.md".to_owned(), json!("Ada, an engineer")),
            ("NOTES.md".to_owned(), json!("not a persona file")),
            ("AGENTS.md".to_owned(), json!("  ")),
        ]);
        let text = persona(&files);
        assert_eq!(
            text,
            "# IDENTITY.md\n\nAda, an engineer\n\n# SOUL.md\n\ncalm"
        );
        let huge = BTreeMap::from([("SOUL.md".to_owned(), json!("é".repeat(PERSONA_BUDGET)))]);
        assert!(persona(&huge).len() <= PERSONA_BUDGET);
    }

    #[test]
    fn a_runtime_gets_the_key_of_its_model_provider_only() {
        let resolved = ResolvedKeys {
            keys: BTreeMap::from([
                ("openai".to_owned(), "sk-o".to_owned()),
                ("anthropic".to_owned(), "sk-a".to_owned()),
                ("custom-fake".to_owned(), "sk-f".to_owned()),
            ]),
            extra: BTreeMap::from([(
                "CUSTOM_FAKE_BASE_URL".to_owned(),
                "http://127.0.0.1:1".to_owned(),
            )]),
            key_sources: BTreeMap::new(),
        };
        let mut fake = provider_env(&resolved, None);
        fake.narrow_to(Some("custom-fake/m")).expect("a key");
        assert_eq!(
            fake.env.keys().collect::<Vec<_>>(),
            ["CUSTOM_FAKE_API_KEY", "CUSTOM_FAKE_BASE_URL"]
        );
        assert_eq!(fake.key_resolution["modelProvider"], "custom-fake");
        let mut open = provider_env(&resolved, None);
        open.narrow_to(Some("openai/gpt-4o")).expect("a key");
        assert_eq!(open.env.keys().collect::<Vec<_>>(), ["OPENAI_API_KEY"]);
        let err = provider_env(&resolved, None)
            .narrow_to(Some("groq/llama"))
            .expect_err("no groq key");
        assert!(err.contains("`groq`"), "{err}");
        assert!(provider_env(&resolved, None).narrow_to(None).is_err());
    }

    #[test]
    fn provider_ids_name_their_variables() {
        assert_eq!(key_variable("openai").as_deref(), Some("OPENAI_API_KEY"));
        assert_eq!(
            key_variable("custom-my-llm").as_deref(),
            Some("CUSTOM_MY_LLM_API_KEY")
        );
        assert_eq!(key_variable("9lives"), None);
        assert_eq!(key_variable("bad name"), None);
    }

    #[test]
    fn keys_and_extras_become_variables_and_only_masked_sources_are_recorded() {
        let resolved = ResolvedKeys {
            keys: BTreeMap::from([("custom-fake".to_owned(), "sk-1".to_owned())]),
            extra: BTreeMap::from([(
                "CUSTOM_FAKE_BASE_URL".to_owned(),
                "http://127.0.0.1:9/v1".to_owned(),
            )]),
            key_sources: BTreeMap::from([(
                "custom-fake".to_owned(),
                json!({"source": "instance", "masked_key": "sk-…1"}),
            )]),
        };
        let out = provider_env(&resolved, None);
        assert_eq!(out.env["CUSTOM_FAKE_API_KEY"], "sk-1");
        assert_eq!(out.env["CUSTOM_FAKE_BASE_URL"], "http://127.0.0.1:9/v1");
        assert_eq!(out.key_resolution["source"], "system");
        assert!(!out.key_resolution.to_string().contains("sk-1"));
    }
}
