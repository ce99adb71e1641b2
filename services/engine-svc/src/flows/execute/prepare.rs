//! What a step's runtime is started with: the agent, its model, and a cleared environment
//! holding only the granted secrets, the provider keys the run may use, the system prompt (the
//! agent's persona, then its place in the pipeline), the agent's own token for this run and the
//! engine's own few variables.

use std::collections::BTreeMap;
use std::time::Duration;

use kit::auth::JwtKeys;
use kit::db::TenantTx;
use kit::{ApiError, Claims, TokenKind};
use shared_schemas::ids::{AgentId, RunId, TenantId};

use super::{Attempt, Executor};
use crate::flows::steps::StepWork;
use crate::runtimes::env::RESERVED;
use crate::store;

pub(super) struct Prepared {
    pub agent: AgentId,
    pub model: Option<String>,
    pub env: BTreeMap<String, String>,
}

impl Executor {
    pub(super) async fn prepare(&self, a: &Attempt, work: &StepWork) -> Result<Prepared, String> {
        let agent = AgentId::parse(work.agent_id.clone()).map_err(|e| e.to_string())?;
        let profile = self
            .agents
            .profile(&a.tenant, agent.as_str())
            .await
            .map_err(|e| format!("agent-svc could not describe the agent: {e}"))?;
        let model = work.model.clone().or(profile.model);
        let key_user = self.key_user(a).await.map_err(|e| e.to_string())?;
        let mut providers = self
            .agents
            .provider_env(&a.tenant, key_user.as_deref())
            .await
            .map_err(|e| format!("agent-svc could not resolve provider keys: {e}"))?;
        let narrowed = providers.narrow_to(model.as_deref());
        if let Err(reason) = &narrowed {
            providers.key_resolution["error"] = serde_json::Value::from(reason.as_str());
        }
        let key_sources = key_sources(&providers.key_resolution);
        self.record_key_resolution(a, &providers.key_resolution)
            .await
            .map_err(|e| e.to_string())?;
        narrowed?;
        let secrets = self
            .agents
            .secret_env(&a.tenant, agent.as_str())
            .await
            .map_err(|e| format!("agent-svc could not hand over the agent's secrets: {e}"))?;

        // Secrets first: the run's provider keys and the engine's variables win over a secret
        // of the same name, and a secret can never set what only the engine sets.
        let mut env = granted_secrets(secrets, &a.run);
        let names = env.remove("AGENT_SECRET_NAMES");
        env.extend(providers.env);
        if let Some(names) = names {
            env.insert("AGENT_SECRET_NAMES".into(), names);
        }
        env.insert("DJINNBOT_API_URL".into(), self.api_url.clone());
        // The runtime records its LLM calls in agent-svc's internal API, which HAProxy does not
        // serve, as the agent itself: a token good for this agent and run only.
        env.insert(
            "AGENT_SVC_URL".into(),
            self.app.config.runtime_agent_svc_url(),
        );
        // The team tools (memory, tasks) call these as the agent, with the same token.
        env.insert(
            "MEMORY_SVC_URL".into(),
            self.app.config.runtime_memory_svc_url(),
        );
        env.insert(
            "PROJECT_SVC_URL".into(),
            self.app.config.runtime_project_svc_url(),
        );
        let token = runtime_token(
            &self.app.platform.jwt,
            &a.tenant,
            &agent,
            &a.run,
            work.timeout_secs,
        )
        .map_err(|e| format!("the runtime's agent token could not be made: {e}"))?;
        env.insert("AGENT_API_TOKEN".into(), token);
        if !key_sources.is_empty() {
            env.insert("AGENT_KEY_SOURCES".into(), key_sources);
        }
        env.insert(
            "STEP_TIMEOUT_MS".into(),
            work.timeout_secs.saturating_mul(1000).to_string(),
        );
        let system_prompt = [profile.persona.as_str(), work.system_prompt.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        if !system_prompt.is_empty() {
            env.insert("AGENT_SYSTEM_PROMPT".into(), system_prompt);
        }
        Ok(Prepared { agent, model, env })
    }

    /// Whose provider keys the run uses: its key user's when it was started with one (a
    /// member's own keys, strictly), else the tenant's.
    async fn key_user(&self, a: &Attempt) -> Result<Option<String>, ApiError> {
        let mut tx = TenantTx::begin(self.app.platform.db.pool(), &a.tenant).await?;
        let run = store::runs::get(&mut tx, a.run.as_str()).await?;
        tx.commit().await?;
        Ok(run.and_then(|r| r.key_user_id))
    }

    async fn record_key_resolution(
        &self,
        a: &Attempt,
        resolution: &serde_json::Value,
    ) -> Result<(), ApiError> {
        let mut tx = TenantTx::begin(self.app.platform.db.pool(), &a.tenant).await?;
        let patch = store::runs::Patch {
            key_resolution: Some(resolution),
            ..store::runs::Patch::default()
        };
        store::runs::patch(&mut tx, a.run.as_str(), &patch, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The agent's granted secrets a runtime may get, with `AGENT_SECRET_NAMES` listing them (the
/// runtime passes exactly these on to the agent's commands). A secret named like a variable the
/// engine sets is dropped (and logged).
pub(crate) fn granted_secrets(
    secrets: BTreeMap<String, String>,
    run: &RunId,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = secrets
        .into_iter()
        .filter(|(name, _)| {
            let engine_owned = RESERVED.contains(&name.as_str())
                || matches!(
                    name.as_str(),
                    "AGENT_MODEL"
                        | "AGENT_SYSTEM_PROMPT"
                        | "DJINNBOT_API_URL"
                        | "AGENT_SVC_URL"
                        | "MEMORY_SVC_URL"
                        | "PROJECT_SVC_URL"
                        | "AGENT_API_TOKEN"
                        | "AGENT_KEY_SOURCES"
                        | "STEP_TIMEOUT_MS"
                        | "AGENT_SECRET_NAMES"
                        | "CHAT_SESSION_ID"
                        | "AGENT_CHAT_HISTORY"
                );
            if engine_owned {
                tracing::warn!(run = %run, secret = %name,
                    "a granted secret names an engine variable and is not passed on");
            }
            !engine_owned
        })
        .collect();
    let names = env.keys().cloned().collect::<Vec<_>>().join(",");
    if !names.is_empty() {
        env.insert("AGENT_SECRET_NAMES".into(), names);
    }
    env
}

/// `provider=source,…` of the run's key resolution (`providerSources`): where each provider's
/// key came from, which the runtime writes on its call records. Only plain names pass.
fn key_sources(resolution: &serde_json::Value) -> String {
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    };
    resolution["providerSources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(provider, entry)| {
            let source = entry["source"].as_str()?;
            (plain(provider) && plain(source)).then(|| format!("{provider}={source}"))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// How long a runtime's token outlives its step's timeout: the last call's record is sent after
/// the model answers, and a step without a timeout still gets a bounded token.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);

/// The agent token a step's runtime gets (`AGENT_API_TOKEN`): kind `agent`, the tenant, the
/// platform agent id and the run, valid for the step's timeout plus [`TOKEN_MARGIN`]. kit scopes
/// it to its agent everywhere; agent-svc's call log also to its run.
pub(crate) fn runtime_token(
    jwt: &JwtKeys,
    tenant: &TenantId,
    agent: &AgentId,
    run: &RunId,
    timeout_secs: u64,
) -> Result<String, ApiError> {
    let ttl = Duration::from_secs(timeout_secs).saturating_add(TOKEN_MARGIN);
    let mut claims = Claims::access(agent.as_str(), tenant.clone(), TokenKind::Agent, ttl);
    claims.agent_id = Some(agent.as_str().to_owned());
    claims.run_id = Some(run.as_str().to_owned());
    jwt.mint(&claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_token_is_its_agents_for_its_run_until_the_step_times_out() {
        let jwt = JwtKeys::new("k1", b"a-test-secret-of-at-least-32-bytes!!");
        let (tenant, agent, run) = (TenantId::generate(), AgentId::generate(), RunId::generate());
        let token = runtime_token(&jwt, &tenant, &agent, &run, 600).expect("minted");
        let claims = jwt.verify(&token).expect("verifies");
        assert_eq!(claims.kind, TokenKind::Agent);
        assert_eq!(claims.tenant_id, tenant);
        assert_eq!(claims.agent_id.as_deref(), Some(agent.as_str()));
        assert_eq!(claims.run_id.as_deref(), Some(run.as_str()));
        assert_eq!(claims.exp - claims.iat, 600 + TOKEN_MARGIN.as_secs());
        let other = JwtKeys::new("k1", b"another-secret-of-at-least-32-bytes!");
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn granted_secrets_never_set_an_engine_variable_and_are_listed_by_name() {
        let secrets = BTreeMap::from([
            ("GITHUB_TOKEN".to_owned(), "ghp".to_owned()),
            ("RUN_ID".to_owned(), "run_forged".to_owned()),
            ("AGENT_CHAT_HISTORY".to_owned(), "[]".to_owned()),
            ("NPM_TOKEN".to_owned(), "npm".to_owned()),
        ]);
        let env = granted_secrets(secrets, &RunId::generate());
        assert_eq!(
            env.keys().map(String::as_str).collect::<Vec<_>>(),
            ["AGENT_SECRET_NAMES", "GITHUB_TOKEN", "NPM_TOKEN"]
        );
        assert_eq!(env["AGENT_SECRET_NAMES"], "GITHUB_TOKEN,NPM_TOKEN");
        assert!(granted_secrets(BTreeMap::new(), &RunId::generate()).is_empty());
    }

    #[test]
    fn key_sources_name_each_providers_source_and_nothing_else() {
        let resolution = serde_json::json!({"providerSources": {
            "custom-fake": {"source": "instance", "masked_key": "sk-…1"},
            "openai": {"source": "personal"},
            "bad=name": {"source": "instance"},
            "anthropic": {"source": "x,y"},
            "groq": {},
        }});
        assert_eq!(
            key_sources(&resolution),
            "custom-fake=instance,openai=personal"
        );
        assert_eq!(key_sources(&serde_json::json!({})), "");
    }
}
