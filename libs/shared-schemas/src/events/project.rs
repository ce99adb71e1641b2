//! Payloads of project and task events on the global stream. project-svc publishes them after
//! its transaction commits; the dashboard follows them, and engine-svc reacts to a few.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{AgentId, PipelineId, ProjectId, TaskId};

/// An event about a whole project that needs no detail (`PROJECT_UPDATED`, `PROJECT_DELETED`,
/// `PROJECT_REPOSITORY_REMOVED`, `PROJECT_VISION_UPDATED`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRef {
    pub project_id: ProjectId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectCreated {
    pub project_id: ProjectId,
    pub name: String,
}

/// The project's git repository was set or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRepositoryUpdated {
    pub project_id: ProjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// The Slack channel or notified user of a project changed; absent means cleared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSlackUpdated {
    pub project_id: ProjectId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_channel_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_notify_user_id: Option<String>,
}

/// A planning run (envelope `runId`) started for the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectPlanningStarted {
    pub project_id: ProjectId,
    pub pipeline_id: PipelineId,
}

/// The planning run finished and its task breakdown was imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectPlanningCompleted {
    pub project_id: ProjectId,
    pub tasks_imported: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskCreated {
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub title: String,
}

/// A task changed without a status change (`TASK_UPDATED`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskRef {
    pub project_id: ProjectId,
    pub task_id: TaskId,
}

/// A task moved to another board column or position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskMoved {
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub column_id: String,
    pub position: u32,
    /// The status the new column gave the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Task statuses are strings: a project may define its own columns and statuses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskStatusChanged {
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub status: String,
}

/// An agent claimed a task to work on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskClaimed {
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub agent_id: AgentId,
}

/// A pipeline run (envelope `runId`) started for a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskExecutionStarted {
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub pipeline_id: PipelineId,
}

/// A pull request was opened for a task's branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskPrOpened {
    pub project_id: ProjectId,
    pub task_id: TaskId,
    pub pr_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_number: Option<u64>,
}

/// Tasks were imported in bulk (planning output or the import endpoint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TasksImported {
    pub project_id: ProjectId,
    pub count: u32,
}

/// How one task depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyKind {
    Blocks,
    Informs,
}

/// `fromTaskId` must finish before (or informs) `toTaskId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyAdded {
    pub project_id: ProjectId,
    pub from_task_id: TaskId,
    pub to_task_id: TaskId,
    pub kind: DependencyKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyRemoved {
    pub project_id: ProjectId,
    pub from_task_id: TaskId,
    pub to_task_id: TaskId,
}

/// An agent joined a project, or its role there changed (`AGENT_ASSIGNED`,
/// `AGENT_ROLE_UPDATED`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectAgentRole {
    pub project_id: ProjectId,
    pub agent_id: AgentId,
    pub role: String,
}

/// An agent left a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectAgentRemoved {
    pub project_id: ProjectId,
    pub agent_id: AgentId,
}

/// A pulse routine of an agent was mapped to a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentRoutineMapped {
    pub project_id: ProjectId,
    pub agent_id: AgentId,
    pub routine_id: String,
}

/// A swarm of parallel executors was launched over some of the project's tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SwarmLaunched {
    pub project_id: ProjectId,
    pub swarm_id: String,
    pub task_ids: Vec<TaskId>,
}
