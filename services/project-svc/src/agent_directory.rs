//! Where project-svc learns which agent a slug names: agent-svc owns agents, so a slug in a path
//! (or in `agentId` when assigning) is looked up there, with a service token of the caller's
//! tenant, before the flow opens its transaction. An agent id (`agt_…`) is taken as it is.

use async_trait::async_trait;
use axum::http::StatusCode;
use kit::ApiError;
use kit::client::{AgentLookup, ServiceClient};
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

/// agent-svc over HTTP (`GET /v1/agents/{slug}`), through kit's agent lookup.
pub struct HttpAgentDirectory {
    lookup: AgentLookup,
}

impl HttpAgentDirectory {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            lookup: AgentLookup::new(client, base_url),
        }
    }
}

#[async_trait]
impl AgentDirectory for HttpAgentDirectory {
    async fn id_of_slug(&self, tenant: &TenantId, slug: &str) -> Result<String, ApiError> {
        self.lookup.find(tenant, slug).await?.ok_or_else(not_found)
    }
}
