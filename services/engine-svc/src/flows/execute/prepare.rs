//! What a step's runtime is started with: the agent, its model, and a cleared environment
//! holding only the granted secrets, the provider keys the run may use, the system prompt (the
//! agent's persona, then its place in the pipeline) and the engine's own few variables.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::AgentId;

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
        let providers = self
            .agents
            .provider_env(&a.tenant, key_user.as_deref())
            .await
            .map_err(|e| format!("agent-svc could not resolve provider keys: {e}"))?;
        self.record_key_resolution(a, &providers.key_resolution)
            .await
            .map_err(|e| e.to_string())?;
        let secrets = self
            .agents
            .secret_env(&a.tenant, agent.as_str())
            .await
            .map_err(|e| format!("agent-svc could not hand over the agent's secrets: {e}"))?;

        // Secrets first: the run's provider keys and the engine's variables win over a secret
        // of the same name, and a secret can never set what only the engine sets.
        let mut env: BTreeMap<String, String> = secrets
            .into_iter()
            .filter(|(name, _)| {
                let engine_owned = RESERVED.contains(&name.as_str())
                    || matches!(
                        name.as_str(),
                        "AGENT_MODEL"
                            | "AGENT_SYSTEM_PROMPT"
                            | "DJINNBOT_API_URL"
                            | "STEP_TIMEOUT_MS"
                            | "AGENT_SECRET_NAMES"
                    );
                if engine_owned {
                    tracing::warn!(run = %a.run, secret = %name,
                        "a granted secret names an engine variable and is not passed on");
                }
                !engine_owned
            })
            .collect();
        // The runtime passes exactly these on to the agent's commands (and nothing else).
        let names: Vec<&str> = env.keys().map(String::as_str).collect();
        let names = names.join(",");
        env.extend(providers.env);
        if !names.is_empty() {
            env.insert("AGENT_SECRET_NAMES".into(), names);
        }
        env.insert("DJINNBOT_API_URL".into(), self.api_url.clone());
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
