//! Which agent a path names, and whether the caller's tenant has it: agent-svc owns agents, so
//! memory-svc asks it (`GET /v1/agents/{ref}` with a service token of the caller's tenant) before
//! it touches a vault. Another tenant's agent is unknown to that token, hence 404.

use axum::http::StatusCode;
use kit::ApiError;
use kit::client::{CallError, ServiceClient};
use serde::Deserialize;
use shared_schemas::ids::TenantId;

pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "agent_not_found", "agent not found")
}

/// agent-svc over HTTP, through kit's service client.
#[derive(Debug, Clone)]
pub struct AgentDirectory {
    client: ServiceClient,
    base_url: String,
}

#[derive(Deserialize)]
struct AgentAnswer {
    id: String,
}

impl AgentDirectory {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The id of `tenant`'s agent named by `agent_ref` (its id or its slug): 404
    /// `agent_not_found` when the tenant has none, 503 when agent-svc cannot be asked.
    pub async fn resolve(&self, tenant: &TenantId, agent_ref: &str) -> Result<String, ApiError> {
        // Only ids and slugs name agents; the check also keeps the URL below plain.
        let plain = !agent_ref.is_empty()
            && agent_ref.len() <= 128
            && agent_ref
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !plain {
            return Err(not_found());
        }
        let res = self
            .client
            .get(format!("{}/v1/agents/{agent_ref}", self.base_url))
            .for_tenant(tenant)
            .send()
            .await?;
        let status = res.status();
        if status == StatusCode::NOT_FOUND {
            return Err(not_found());
        }
        let unexpected = |detail: String| CallError::Unexpected {
            target: "agent-svc".to_owned(),
            status: Some(status),
            detail,
        };
        if !status.is_success() {
            return Err(unexpected("unexpected status".to_owned()).into());
        }
        let answer: AgentAnswer = res
            .json()
            .await
            .map_err(|e| unexpected(format!("unreadable answer: {}", e.without_url())))?;
        Ok(answer.id)
    }
}
