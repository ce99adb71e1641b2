//! Run bookkeeping published on the global stream when the API changes a run or a step, so the
//! dashboard and the engine workers can follow without polling.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{RunId, StepId};

/// Status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Pending,
    /// Waiting for one of the tenant's run slots.
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
    Paused,
}

/// Status of one step of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
    Retrying,
}

/// A run's row changed (status, outputs or current step).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunUpdated {
    pub status: RunStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_runs: Option<u32>,
}

/// A control endpoint (cancel, pause, resume, restart) changed a run's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunStatusChanged {
    pub status: RunStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_runs: Option<u32>,
}

/// The run (envelope `runId`) was deleted; the engine stops it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunDeleted {}

/// Several runs were deleted at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunsBulkDeleted {
    pub run_ids: Vec<RunId>,
}

/// A step's row changed through the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepUpdated {
    pub step_id: StepId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StepStatus>,
}
