//! What the chat driver asks of agent-svc, with the tenant's service token: the session's stored
//! conversation, the runtime's status, the completed assistant messages and the tenant's chat
//! timeouts. Never called while a transaction is open (the engine holds none here).

use std::time::Duration;

use axum::http::Method;
use kit::ApiError;
use kit::client::ServiceClient;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared_schemas::ids::TenantId;

#[derive(Clone)]
pub struct ChatAgentSvc {
    client: ServiceClient,
    base_url: String,
}

/// One stored message of a session (`GET /v1/chat/sessions/{s}`).
#[derive(Debug, Clone, Deserialize)]
pub struct StoredMessage {
    pub id: String,
    pub role: String,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub completed_at: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct SessionDetail {
    #[serde(default)]
    pub messages: Vec<StoredMessage>,
}

/// `PATCH /v1/internal/chat/messages/{m}/complete`.
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Completion {
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Value>,
    pub aborted: bool,
}

/// The tenant's chat timeouts (agent-svc settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatTimeouts {
    /// A runtime with nothing to do this long is ended.
    pub idle: Duration,
    /// One answer may take this long before it is aborted.
    pub hard: Duration,
}

/// The monolith's defaults: `chatIdleTimeoutMin` 30, `CHAT_HARD_TIMEOUT_MS` 900 000.
pub const DEFAULT_TIMEOUTS: ChatTimeouts = ChatTimeouts {
    idle: Duration::from_secs(30 * 60),
    hard: Duration::from_secs(900),
};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Settings {
    chat_idle_timeout_min: Option<f64>,
    chat_inactivity_timeout_sec: Option<f64>,
    chat_hard_timeout_sec: Option<f64>,
}

impl ChatAgentSvc {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The session's detail; `None` when the tenant has no such session (404).
    pub async fn session(
        &self,
        tenant: &TenantId,
        session: &str,
    ) -> Result<Option<SessionDetail>, ApiError> {
        let res = self
            .client
            .get(format!(
                "{}/v1/chat/sessions/{}",
                self.base_url,
                segment(session)?
            ))
            .for_tenant(tenant)
            .send()
            .await
            .map_err(ApiError::from)?;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !res.status().is_success() {
            return Err(ApiError::internal(anyhow::anyhow!(
                "agent-svc answered {} to the session's detail",
                res.status()
            )));
        }
        res.json()
            .await
            .map(Some)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("unreadable session detail: {e}")))
    }

    /// Reports the runtime's status (`starting | running | idle | completed | failed`).
    pub async fn container(
        &self,
        tenant: &TenantId,
        session: &str,
        container_id: Option<&str>,
        status: &str,
        error: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut body = serde_json::json!({"container_id": container_id, "status": status});
        if let Some(error) = error {
            body["error"] = Value::from(error);
        }
        let res = self
            .client
            .request(
                Method::PATCH,
                format!(
                    "{}/v1/internal/chat/sessions/{}/container",
                    self.base_url,
                    segment(session)?
                ),
            )
            .for_tenant(tenant)
            .json(&body)
            .send()
            .await
            .map_err(ApiError::from)?;
        answered(res)
    }

    /// Records on the session where its provider key came from (masked keys only).
    pub async fn key_resolution(
        &self,
        tenant: &TenantId,
        session: &str,
        resolution: &Value,
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({"key_resolution": resolution.to_string()});
        let res = self
            .client
            .request(
                Method::PATCH,
                format!("{}/v1/chat/sessions/{}", self.base_url, segment(session)?),
            )
            .for_tenant(tenant)
            .json(&body)
            .send()
            .await
            .map_err(ApiError::from)?;
        answered(res)
    }

    /// Completes an assistant message (idempotent in agent-svc).
    pub async fn complete(
        &self,
        tenant: &TenantId,
        message: &str,
        completion: &Completion,
    ) -> Result<(), ApiError> {
        let res = self
            .client
            .request(
                Method::PATCH,
                format!(
                    "{}/v1/internal/chat/messages/{}/complete",
                    self.base_url,
                    segment(message)?
                ),
            )
            .for_tenant(tenant)
            // Completing is idempotent in agent-svc: safe to retry.
            .idempotency_key(&format!("chat-complete-{message}"))
            .json(completion)
            .send()
            .await
            .map_err(ApiError::from)?;
        answered(res)
    }

    /// The tenant's timeouts; the defaults for what it does not set (or when agent-svc cannot
    /// say: a driver must still end an idle runtime).
    pub async fn timeouts(&self, tenant: &TenantId) -> ChatTimeouts {
        let settings: Settings = match self
            .client
            .get(format!("{}/v1/settings/", self.base_url))
            .for_tenant(tenant)
            .send_json()
            .await
        {
            Ok(settings) => settings,
            Err(err) => {
                tracing::warn!(tenant = %tenant, error = %err, "chat timeouts unreadable; defaults used");
                Settings::default()
            }
        };
        timeouts(&settings)
    }
}

/// A 2xx answer, else an error naming the status (agent-svc refused the change).
fn answered(res: reqwest::Response) -> Result<(), ApiError> {
    let status = res.status();
    if status.is_success() {
        return Ok(());
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "agent-svc answered {status} to {}",
        res.url().path()
    )))
}

fn timeouts(s: &Settings) -> ChatTimeouts {
    let secs = |v: f64| Duration::from_secs_f64(v.clamp(0.1, 7.0 * 24.0 * 3600.0));
    let idle = s
        .chat_inactivity_timeout_sec
        .filter(|v| *v > 0.0)
        .map(secs)
        .or_else(|| {
            s.chat_idle_timeout_min
                .filter(|v| *v > 0.0)
                .map(|m| secs(m * 60.0))
        })
        .unwrap_or(DEFAULT_TIMEOUTS.idle);
    let hard = s
        .chat_hard_timeout_sec
        .filter(|v| *v > 0.0)
        .map(secs)
        .unwrap_or(DEFAULT_TIMEOUTS.hard);
    ChatTimeouts { idle, hard }
}

/// A path segment: ids are plain (agent-svc makes them); anything else is refused rather than
/// built into a URL.
fn segment(id: &str) -> Result<&str, ApiError> {
    let plain = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        Ok(id)
    } else {
        Err(ApiError::internal(anyhow::anyhow!(
            "a chat id is malformed"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inactivity_setting_wins_then_minutes_then_defaults() {
        let s = Settings {
            chat_idle_timeout_min: Some(2.0),
            chat_inactivity_timeout_sec: Some(5.0),
            chat_hard_timeout_sec: Some(9.0),
        };
        assert_eq!(
            timeouts(&s),
            ChatTimeouts {
                idle: Duration::from_secs(5),
                hard: Duration::from_secs(9)
            }
        );
        let s = Settings {
            chat_idle_timeout_min: Some(2.0),
            ..Settings::default()
        };
        assert_eq!(timeouts(&s).idle, Duration::from_secs(120));
        assert_eq!(timeouts(&Settings::default()), DEFAULT_TIMEOUTS);
        assert!(segment("chat_a-1").is_ok());
        assert!(segment("../x").is_err());
    }
}
