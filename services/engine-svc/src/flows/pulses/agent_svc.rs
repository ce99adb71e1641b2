//! What a pulse asks agent-svc, with a service token of the pulse's tenant: the tenant's pulse
//! settings, the routine, and the chat session the pulse runs in (agent-svc stores its
//! transcript; the engine's chat driver runs its runtime). Never inside a transaction.

use std::time::Duration;

use axum::http::StatusCode;
use kit::ApiError;
use kit::client::{CallError, ServiceClient};
use serde::Deserialize;
use serde_json::{Value, json};
use shared_schemas::ids::{AgentId, TenantId};

#[derive(Clone)]
pub struct PulseAgentSvc {
    client: ServiceClient,
    base_url: String,
}

/// The tenant's pulse settings (agent-svc's defaults when it cannot say).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PulseSettings {
    pub max_concurrent_pulse_sessions: i64,
    pub default_pulse_timeout_sec: i64,
    pub max_wakes_per_day: i64,
}

impl Default for PulseSettings {
    fn default() -> Self {
        Self {
            max_concurrent_pulse_sessions: 2,
            default_pulse_timeout_sec: 120,
            max_wakes_per_day: 12,
        }
    }
}

/// The routine fields a pulse uses.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Routine {
    pub name: String,
    pub instructions: String,
    pub timeout_ms: Option<u64>,
    pub pulse_columns: Option<Vec<String>>,
    pub executor_model: Option<String>,
}

/// How a pulse's chat turn ended, as agent-svc stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    Pending,
    Answered,
    /// The session failed or ended before answering.
    Ended(String),
}

impl PulseAgentSvc {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn settings(&self, tenant: &TenantId) -> PulseSettings {
        let answer = self
            .client
            .get(self.url("/v1/settings/"))
            .for_tenant(tenant)
            .send_json::<PulseSettings>()
            .await;
        answer.unwrap_or_else(|err| {
            tracing::warn!(error = %err, tenant = %tenant, "pulse settings unknown: defaults apply");
            PulseSettings::default()
        })
    }

    /// The routine, `None` when it no longer exists (deleted after the trigger).
    pub async fn routine(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
        routine: &str,
    ) -> Result<Option<Routine>, ApiError> {
        let res = self
            .client
            .get(self.url(&format!("/v1/agents/{agent}/pulse-routines/{routine}")))
            .for_tenant(tenant)
            .send()
            .await?;
        match res.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => res
                .json()
                .await
                .map(Some)
                .map_err(|e| unreadable(s, &e.without_url())),
            s => Err(unexpected(s, "routine")),
        }
    }

    /// Starts the pulse's chat session; its id.
    pub async fn start(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
        model: Option<&str>,
        brief: &str,
        key: &str,
    ) -> Result<String, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Started {
            session_id: String,
        }
        let mut body = json!({"sessionType": "pulse", "systemPromptSupplement": brief});
        if let Some(model) = model {
            body["model"] = json!(model);
        }
        let started: Started = self
            .client
            .post(self.url(&format!("/v1/agents/{agent}/chat/start")))
            .for_tenant(tenant)
            .idempotency_key(&format!("pulse-start-{key}"))
            .json(&body)
            .send_json()
            .await?;
        Ok(started.session_id)
    }

    /// Sends the pulse's one message; the assistant message to wait for.
    pub async fn send(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
        session: &str,
        message: &str,
        key: &str,
    ) -> Result<String, ApiError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Sent {
            assistant_message_id: String,
        }
        let sent: Sent = self
            .client
            .post(self.url(&format!("/v1/agents/{agent}/chat/{session}/message")))
            .for_tenant(tenant)
            .idempotency_key(&format!("pulse-message-{key}"))
            .json(&json!({"message": message}))
            .send_json()
            .await?;
        Ok(sent.assistant_message_id)
    }

    /// Whether the assistant message was answered.
    pub async fn turn(
        &self,
        tenant: &TenantId,
        session: &str,
        assistant_message: &str,
    ) -> Result<Turn, ApiError> {
        let detail: Value = self
            .client
            .get(self.url(&format!("/v1/chat/sessions/{session}")))
            .for_tenant(tenant)
            .send_json()
            .await?;
        Ok(turn_of(&detail, assistant_message))
    }

    /// Ends the session (its runtime shuts down).
    pub async fn end(&self, tenant: &TenantId, agent: &AgentId, session: &str) {
        let res = self
            .client
            .post(self.url(&format!("/v1/agents/{agent}/chat/{session}/end")))
            .for_tenant(tenant)
            .idempotency_key(&format!("pulse-end-{session}"))
            .send()
            .await;
        if let Err(err) = res {
            tracing::warn!(error = %err, session, "a pulse session could not be ended; the idle reaper will");
        }
    }

    /// Records a finished routine run (`lastRunAt`, `totalRuns`).
    pub async fn record_run(&self, tenant: &TenantId, routine: &str) -> Result<(), ApiError> {
        self.client
            .post(self.url(&format!("/v1/pulse-routines/{routine}/record-run")))
            .for_tenant(tenant)
            .send_json::<Value>()
            .await?;
        Ok(())
    }
}

/// Reads a session detail (`{status, error?, messages: [{id, completed_at | completedAt}]}`).
pub fn turn_of(detail: &Value, assistant_message: &str) -> Turn {
    let answered = detail["messages"].as_array().is_some_and(|messages| {
        messages.iter().any(|m| {
            m["id"] == assistant_message
                && [&m["completed_at"], &m["completedAt"]]
                    .iter()
                    .any(|c| !c.is_null())
        })
    });
    if answered {
        return Turn::Answered;
    }
    match detail["status"].as_str() {
        Some(status @ ("failed" | "completed")) => Turn::Ended(
            detail["error"]
                .as_str()
                .map_or_else(|| format!("the session {status}"), str::to_owned),
        ),
        _ => Turn::Pending,
    }
}

/// How long to wait between two looks at a pulse's turn.
pub const POLL: Duration = Duration::from_millis(500);

fn unexpected(status: StatusCode, what: &str) -> ApiError {
    CallError::Unexpected {
        target: "agent-svc".to_owned(),
        status: Some(status),
        detail: format!("unexpected status for the {what}"),
    }
    .into()
}

fn unreadable(status: StatusCode, err: &dyn std::fmt::Display) -> ApiError {
    CallError::Unexpected {
        target: "agent-svc".to_owned(),
        status: Some(status),
        detail: format!("unreadable answer: {err}"),
    }
    .into()
}
