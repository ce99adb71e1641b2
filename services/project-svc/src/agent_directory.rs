//! Where project-svc learns which agent a slug names: agent-svc owns agents, so a slug in a path
//! (or in `agentId` when assigning) is looked up there, with a service token of the caller's
//! tenant, before the flow opens its transaction. An agent id (`agt_…`) is taken as it is.

use async_trait::async_trait;
use axum::http::StatusCode;
use kit::ApiError;
use kit::client::{CallError, ServiceClient};
use serde::Deserialize;
use shared_schemas::ids::{TenantId, validate_slug};

/// The tenant's agents as agent-svc knows them.
#[async_trait]
pub trait AgentDirectory: Send + Sync {
    /// The id of `tenant`'s agent called `slug`: 404 `agent_not_found` when it has none, 503
    /// `unavailable` when agent-svc cannot be asked.
    async fn id_of_slug(&self, tenant: &TenantId, slug: &str) -> Result<String, ApiError>;
}

/// The agent id a path or body means: an `agt_…` id as given, anything else a slug of the
/// caller's tenant.
pub async fn resolve(
    directory: &dyn AgentDirectory,
    tenant: &TenantId,
    agent: &str,
) -> Result<String, ApiError> {
    if agent.starts_with("agt_") {
        return Ok(agent.to_owned());
    }
    // Nothing but a slug can name an agent; the check also keeps the URL below plain.
    if validate_slug(agent).is_err() {
        return Err(not_found());
    }
    directory.id_of_slug(tenant, agent).await
}

pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "agent_not_found", "agent not found")
}

/// agent-svc over HTTP (`GET /v1/agents/{slug}`), through kit's service client.
pub struct HttpAgentDirectory {
    client: ServiceClient,
    base_url: String,
}

impl HttpAgentDirectory {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }
}

#[derive(Deserialize)]
struct AgentAnswer {
    id: String,
}

#[async_trait]
impl AgentDirectory for HttpAgentDirectory {
    async fn id_of_slug(&self, tenant: &TenantId, slug: &str) -> Result<String, ApiError> {
        let res = self
            .client
            .get(format!("{}/v1/agents/{slug}", self.base_url))
            .for_tenant(tenant)
            .send()
            .await?;
        if res.status() == StatusCode::NOT_FOUND {
            return Err(not_found());
        }
        let status = res.status();
        let unexpected = |detail: String| CallError::Unexpected {
            target: "agent-svc".to_owned(),
            status: Some(status),
            detail,
        };
        // Any other refusal (401, 403, …) is agent-svc failing us, not the caller's mistake.
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
