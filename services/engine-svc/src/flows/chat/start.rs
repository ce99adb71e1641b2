//! Starting a session's runtime: a fresh run id, the agent's persona (plus the session's
//! supplement), the model, the provider keys of the session's user (or the tenant's), the
//! agent's token for that run, and the stored conversation when there is one (a restart or a
//! take-over), then waiting for `ready`.

use std::collections::HashSet;

use serde_json::{Value, json};
use shared_schemas::ids::{AgentId, RunId, TenantId};

use super::Chat;
use super::agent_svc::StoredMessage;
use super::inbox::SESSION_TTL;
use crate::flows::execute::prepare::{granted_secrets, runtime_token};
use crate::runtimes::RuntimeKind;
use crate::runtimes::service::StartRuntime;
use crate::runtimes::session::RuntimeSession;

/// What the driver keeps of its session (mirrored in `keys.chat_state`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionState {
    pub agent: String,
    pub model: Option<String>,
    pub user: Option<String>,
    pub supplement: Option<String>,
    /// The last inbox id done.
    pub done: String,
    /// The run id of the runtime running now.
    pub run_id: Option<String>,
}

impl SessionState {
    pub fn from_hash(mut hash: std::collections::HashMap<String, String>) -> Self {
        let mut take = |name: &str| hash.remove(name).filter(|v| !v.is_empty());
        Self {
            agent: take("agentId").unwrap_or_default(),
            model: take("model"),
            user: take("userId"),
            supplement: take("supplement"),
            done: take("done").unwrap_or_default(),
            run_id: take("runId"),
        }
    }

    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("agentId", self.agent.clone()),
            ("model", self.model.clone().unwrap_or_default()),
            ("userId", self.user.clone().unwrap_or_default()),
            ("supplement", self.supplement.clone().unwrap_or_default()),
            ("done", self.done.clone()),
            ("runId", self.run_id.clone().unwrap_or_default()),
        ]
    }
}

/// A started runtime and the engine's session on it.
pub struct Live {
    pub run: RunId,
    pub container: String,
    pub session: RuntimeSession,
    pub key_resolution: Value,
}

impl Chat {
    /// Starts the session's runtime and waits for it to be ready. `pending` are the user
    /// messages still in the inbox: they are sent as requests, so they are not history.
    pub(super) async fn launch(
        &self,
        tenant: &TenantId,
        session: &str,
        st: &SessionState,
        pending: &HashSet<String>,
    ) -> Result<Live, String> {
        let agent = AgentId::parse(st.agent.clone())
            .map_err(|_| "the session names no valid agent".to_owned())?;
        let profile = self
            .agents
            .profile(tenant, agent.as_str())
            .await
            .map_err(|e| format!("agent-svc could not describe the agent: {e}"))?;
        let model = st
            .model
            .clone()
            .or(profile.model)
            .ok_or("no model: the session, the agent and the tenant name none")?;
        let mut providers = self
            .agents
            .provider_env(tenant, st.user.as_deref())
            .await
            .map_err(|e| format!("agent-svc could not resolve provider keys: {e}"))?;
        // Only the key of the session's model provider reaches its runtime.
        providers.narrow_to(Some(&model))?;
        let stored = self
            .svc
            .session(tenant, session)
            .await
            .map_err(|e| format!("agent-svc could not read the session: {e}"))?
            .ok_or("the session no longer exists")?;
        let history = history(&stored.messages, pending);

        let secrets = self
            .agents
            .secret_env(tenant, agent.as_str())
            .await
            .map_err(|e| format!("agent-svc could not hand over the agent's secrets: {e}"))?;

        let run = RunId::generate();
        // Secrets first: provider keys and the engine's variables win over a secret's name.
        let mut env = granted_secrets(secrets, &run);
        env.extend(providers.env.clone());
        env.insert("CHAT_SESSION_ID".into(), session.to_owned());
        env.insert("DJINNBOT_API_URL".into(), self.api_url.clone());
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
            tenant,
            &agent,
            &run,
            SESSION_TTL.as_secs(),
        )
        .map_err(|e| format!("the runtime's agent token could not be made: {e}"))?;
        env.insert("AGENT_API_TOKEN".into(), token);
        let prompt = [
            profile.persona.as_str(),
            st.supplement.as_deref().unwrap_or_default(),
        ]
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
        if !prompt.is_empty() {
            env.insert("AGENT_SYSTEM_PROMPT".into(), prompt);
        }
        if !history.is_empty() {
            env.insert(
                "AGENT_CHAT_HISTORY".into(),
                Value::from(history).to_string(),
            );
        }
        let handle = self
            .runtimes
            .start(StartRuntime {
                tenant: tenant.clone(),
                run: run.clone(),
                agent,
                kind: RuntimeKind::ChatSession {
                    session_id: session.to_owned(),
                },
                model: Some(model),
                env,
                memory_limit_bytes: None,
                cpu_millis: None,
                image: None,
            })
            .await
            .map_err(|e| format!("the runtime could not start: {e}"))?;
        let ready = async {
            let mut rs = RuntimeSession::open(&self.runtimes, tenant, &run).await?;
            rs.wait_ready().await?;
            Ok::<_, crate::runtimes::session::SessionError>(rs)
        };
        match ready.await {
            Ok(rs) => Ok(Live {
                run,
                container: handle.id,
                session: rs,
                key_resolution: providers.key_resolution,
            }),
            Err(err) => {
                if let Err(stop) = self.runtimes.stop(&run).await {
                    tracing::warn!(session, error = %stop, "a chat runtime that never got ready could not be stopped");
                }
                Err(format!("the runtime did not become ready: {err}"))
            }
        }
    }
}

/// The stored conversation as the runtime reads it (`[{role, content}]`): finished messages
/// with text, without the user messages still waiting in the inbox.
fn history(messages: &[StoredMessage], pending: &HashSet<String>) -> Vec<Value> {
    messages
        .iter()
        .filter(|m| !pending.contains(&m.id))
        .filter(|m| m.role != "assistant" || m.completed_at.as_ref().is_some_and(|c| !c.is_null()))
        .filter_map(|m| {
            let content = m.content.as_deref()?.trim();
            (!content.is_empty() && matches!(m.role.as_str(), "user" | "assistant"))
                .then(|| json!({"role": m.role, "content": content}))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, role: &str, content: &str, done: bool) -> StoredMessage {
        StoredMessage {
            id: id.into(),
            role: role.into(),
            content: Some(content.into()),
            completed_at: done.then(|| json!(1)),
        }
    }

    #[test]
    fn history_keeps_finished_messages_and_leaves_pending_ones_to_the_inbox() {
        let messages = [
            msg("m1", "user", "hi", true),
            msg("a1", "assistant", "hello", true),
            msg("m2", "user", "again", false),
            msg("a2", "assistant", "", false),
            msg("s", "system", "x", true),
        ];
        let pending = HashSet::from(["m2".to_owned()]);
        assert_eq!(
            history(&messages, &pending),
            vec![
                json!({"role": "user", "content": "hi"}),
                json!({"role": "assistant", "content": "hello"}),
            ]
        );
    }
}
