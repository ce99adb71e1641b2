//! Response types of `/v1/secrets/…/grant/…` and `/v1/secrets/agents/{agent_id}…`.

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantResponse {
    pub secret_id: String,
    pub agent_id: String,
    pub granted_at: i64,
    pub granted_by: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentSecretEnvResponse {
    pub agent_id: String,
    /// `ENV_KEY` → plaintext, for injection into the agent's container.
    pub env: BTreeMap<String, String>,
}
