//! Which agent an id or slug names in a tenant: agent-svc owns agents, so every other service
//! asks it (`GET /v1/agents/{ref}` with a service token of the tenant) before it acts on an
//! agent. Another tenant's agent is unknown to that token, so it is simply not found.

use axum::http::StatusCode;
use serde::Deserialize;
use shared_schemas::ids::TenantId;

use super::{CallError, ServiceClient};

/// agent-svc's agent lookup over kit's service client.
#[derive(Debug, Clone)]
pub struct AgentLookup {
    client: ServiceClient,
    base_url: String,
}

#[derive(Deserialize)]
struct AgentAnswer {
    id: String,
}

impl AgentLookup {
    pub fn new(client: ServiceClient, agent_svc_url: &str) -> Self {
        Self {
            client,
            base_url: agent_svc_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The `agt_` id of `tenant`'s agent named `agent_ref` (its id or its slug); `None` when
    /// the tenant has no such agent, or when `agent_ref` could not name one (only ids and slugs
    /// do, which also keeps the URL plain). Any other answer of agent-svc is an error.
    pub async fn find(
        &self,
        tenant: &TenantId,
        agent_ref: &str,
    ) -> Result<Option<String>, CallError> {
        let plain = !agent_ref.is_empty()
            && agent_ref.len() <= 128
            && agent_ref
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !plain {
            return Ok(None);
        }
        let res = self
            .client
            .get(format!("{}/v1/agents/{agent_ref}", self.base_url))
            .for_tenant(tenant)
            .send()
            .await?;
        let status = res.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let unexpected = |detail: String| CallError::Unexpected {
            target: "agent-svc".to_owned(),
            status: Some(status),
            detail,
        };
        // Any other refusal (401, 403, …) is agent-svc failing us, not the caller's mistake.
        if !status.is_success() {
            return Err(unexpected("unexpected status".to_owned()));
        }
        let answer: AgentAnswer = res
            .json()
            .await
            .map_err(|e| unexpected(format!("unreadable answer: {}", e.without_url())))?;
        Ok(Some(answer.id))
    }
}
