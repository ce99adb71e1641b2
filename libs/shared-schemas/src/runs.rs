//! What services say to each other about runs: the start of a run engine-svc is asked for, and
//! how engine-svc reports that a task's run ended.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ids::{AgentId, PipelineId, ProjectId, TaskId, UserId};

/// A run to start. The payload of `RUN_REQUESTED`, whose envelope `runId` is the run's id: the
/// requester chose it, so engine-svc starts each requested run once, however often the event
/// is delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StartRun {
    pub pipeline_id: PipelineId,
    /// The prompt of the run.
    pub task: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<ProjectId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_override: Option<String>,
    /// Whose provider keys the run uses, a user of the run's tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_user_id: Option<UserId>,
}

/// The query of `POST /v1/projects/{project_id}/tasks/{task_id}/run-completed`, which
/// engine-svc sends when a task's run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
pub struct RunEndReport {
    pub run_id: String,
    /// `completed` or `failed`; other run statuses are acknowledged and ignored.
    pub status: String,
}

/// project-svc's answer to engine-svc's report that a task's run ended (`RunEndReport`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunEnded {
    /// `updated`, `ignored` (a status that ends nothing) or `already_recorded`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
