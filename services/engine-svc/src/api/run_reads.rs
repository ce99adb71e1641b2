//! What the read-side routes of runs answer: run history, a task's executor runs, the engine's
//! status and a run's event or log entries.

use std::collections::BTreeMap;

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::runs::{RunDetail, RunSummary, page_errors};

/// `GET /v1/internal/run-history`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunHistoryQuery {
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    pub agent_id: Option<String>,
    pub status: Option<String>,
    pub since: Option<i64>,
    pub limit: Option<i64>,
    pub include_steps: Option<bool>,
}

impl Validate for RunHistoryQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        page_errors(self.limit, None, &mut e);
        kit::validate::finish(e)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunHistory {
    pub runs: Vec<RunDetail>,
    pub total: i64,
}

/// `?limit` of the executor-runs list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    pub limit: Option<i64>,
}

impl Validate for LimitQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        page_errors(self.limit, None, &mut e);
        kit::validate::finish(e)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExecutorRuns {
    pub project_id: String,
    pub task_id: String,
    pub runs: Vec<RunSummary>,
    pub count: usize,
}

/// `GET /v1/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EngineStatus {
    pub status: String,
    pub active_runs: i64,
    pub queued_runs: i64,
    pub total_runs: i64,
    pub total_pipelines: i64,
    pub runs_by_status: BTreeMap<String, i64>,
    pub max_running_runs: i64,
}

/// One entry of a run's event or log stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntry {
    /// The stream entry id.
    pub id: String,
    /// The entry's fields; `data` holds the event JSON for event streams.
    pub fields: BTreeMap<String, Value>,
}
