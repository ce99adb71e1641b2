//! Payloads about the container (or Pod, or child process) that runs a step's agent. They travel
//! on the run stream; the run is the envelope's `runId`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A lifecycle point of the agent container (`CONTAINER_CREATED`, `..._STARTING`, `..._READY`,
/// `..._STOPPING`, `..._DESTROYED`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerLifecycle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The container exited on its own with this code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerCrashed {
    pub exit_code: i64,
}

/// The container stopped; `unexpected` when nobody asked it to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStopped {
    pub unexpected: bool,
}

/// A failure with only a message: `CONTAINER_CREATE_FAILED`, `CONTAINER_START_ERROR`,
/// `REDIS_CONNECTION_ERROR`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerFailure {
    pub error: String,
}

/// The runner noticed a crash of a known container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerCrash {
    pub container_id: String,
    pub exit_code: i64,
}
