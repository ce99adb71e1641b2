//! Which agent a path names, and whether the caller's tenant has it: agent-svc owns agents, so
//! memory-svc asks it (`GET /v1/agents/{ref}` with a service token of the caller's tenant) before
//! it touches a vault. Another tenant's agent is unknown to that token, hence 404.

use axum::http::StatusCode;
use kit::ApiError;
use kit::client::{AgentLookup, ServiceClient};
use shared_schemas::ids::TenantId;

pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "agent_not_found", "agent not found")
}

/// agent-svc over HTTP, through kit's agent lookup.
#[derive(Debug, Clone)]
pub struct AgentDirectory {
    lookup: AgentLookup,
}

impl AgentDirectory {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            lookup: AgentLookup::new(client, base_url),
        }
    }

    /// The id of `tenant`'s agent named by `agent_ref` (its id or its slug): 404
    /// `agent_not_found` when the tenant has none, 503 when agent-svc cannot be asked.
    pub async fn resolve(&self, tenant: &TenantId, agent_ref: &str) -> Result<String, ApiError> {
        self.lookup
            .find(tenant, agent_ref)
            .await?
            .ok_or_else(not_found)
    }
}
