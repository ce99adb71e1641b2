//! Commands for engine-svc that travel as events on the global stream, and platform events about
//! tenants and agents that every service may need to react to (drop caches, stop work).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ids::{AgentId, ProjectId, TaskId};

/// Wake an agent for a pulse now instead of at its next scheduled time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseTriggered {
    pub agent_id: AgentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    /// The pulse routine to run (`pr_…`); absent for the agent's own pulse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routine_id: Option<String>,
    /// Who asked: `manual`, `github`, `schedule`, ...
    pub source: String,
    /// Free-form context handed to the agent (a webhook summary, a user note).
    pub context: Value,
}

/// Create a git worktree for a task in the agent's sandbox, on `taskBranch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskWorkspaceRequested {
    pub agent_id: AgentId,
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub task_branch: String,
}

/// Remove a task's worktree (its pull request was merged or closed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskWorkspaceRemoveRequested {
    pub agent_id: AgentId,
    pub project_id: ProjectId,
    pub task_id: TaskId,
}

/// Restart the tenant's MCP servers (all of them when `serverId` is absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct McpRestartRequested {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<String>,
}

/// Pull new images and recreate the services; `latest` when no version is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemUpdateRequested {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
}

/// Progress of a system update, one event per stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemUpdateProgress {
    pub stage: String,
    pub message: String,
    pub error: bool,
}

/// Index the project's repository into its code knowledge graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodeGraphIndexRequested {
    pub project_id: ProjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

/// The envelope's tenant was deleted. The payload is empty because the tenant is the envelope's
/// own `tenantId`: one flat object cannot carry that key twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantDeleted {}

/// Lifecycle status of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Active,
    Suspended,
    Deleted,
}

/// The envelope's tenant changed status; services stop work for a suspended tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantStatusChanged {
    pub status: TenantStatus,
}

/// An agent of the envelope's tenant was deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentDeleted {
    pub agent_id: AgentId,
}

/// A notification for the envelope's tenant's administrators was recorded (the dashboard's Admin
/// panel refreshes its list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminNotificationCreated {
    pub notification_id: String,
    pub level: String,
    pub title: String,
}
