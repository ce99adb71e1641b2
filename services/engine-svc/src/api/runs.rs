//! Runs as the HTTP API shows them (CONTRACTS §1.5, snake_case like the reference).

use std::collections::BTreeMap;

use kit::error::FieldError;
use kit::extract::Validate;
use kit::validate::err;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared_schemas::ids::{AgentId, PipelineId, ProjectId, TaskId, UserId};
use shared_schemas::runs::StartRun;
use utoipa::{IntoParams, ToSchema};

use crate::api::steps::StepView;
use crate::store::runs::RunRow;

pub use super::run_reads::*;

/// The longest task or context text a run takes.
const MAX_TEXT: usize = 200_000;
/// Page size when `limit` is absent, and its ceiling.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// `POST /v1/runs/`: the reference's snake_case body, or project-svc's camelCase `StartRun`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRunRequest {
    #[serde(alias = "pipelineId")]
    pub pipeline_id: String,
    pub task: String,
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default, alias = "projectId")]
    pub project_id: Option<String>,
    #[serde(default, alias = "taskId")]
    pub task_id: Option<String>,
    #[serde(default, alias = "agentId")]
    pub agent_id: Option<String>,
    #[serde(default, alias = "modelOverride")]
    pub model_override: Option<String>,
    #[serde(default, alias = "keyUserId")]
    pub key_user_id: Option<String>,
}

impl Validate for StartRunRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        self.to_start().map(drop)
    }
}

impl StartRunRequest {
    /// The typed request; field errors name what does not parse.
    pub fn to_start(&self) -> Result<StartRun, Vec<FieldError>> {
        let mut e = Vec::new();
        let pipeline_id = PipelineId::parse(self.pipeline_id.clone())
            .map_err(|_| e.push(err("pipeline_id", "must be a pipeline id")))
            .ok();
        if self.task.len() > MAX_TEXT {
            e.push(err("task", format!("must be at most {MAX_TEXT} bytes")));
        }
        if self.context.as_ref().is_some_and(|c| c.len() > MAX_TEXT) {
            e.push(err("context", format!("must be at most {MAX_TEXT} bytes")));
        }
        if self.model_override.as_ref().is_some_and(|m| m.len() > 256) {
            e.push(err("model_override", "must be at most 256 bytes"));
        }
        fn id<T>(
            field: &str,
            v: &Option<String>,
            parse: fn(String) -> Result<T, shared_schemas::ids::IdError>,
            e: &mut Vec<FieldError>,
        ) -> Option<T> {
            let v = v.as_ref().filter(|s| !s.is_empty())?;
            parse(v.clone())
                .map_err(|_| e.push(err(field, "is not a valid id")))
                .ok()
        }
        let project_id = id("project_id", &self.project_id, ProjectId::parse, &mut e);
        let task_id = id("task_id", &self.task_id, TaskId::parse, &mut e);
        let agent_id = id("agent_id", &self.agent_id, AgentId::parse, &mut e);
        let key_user_id = id("key_user_id", &self.key_user_id, UserId::parse, &mut e);
        match pipeline_id {
            Some(pipeline_id) if e.is_empty() => Ok(StartRun {
                pipeline_id,
                task: self.task.clone(),
                context: self.context.clone(),
                project_id,
                task_id,
                agent_id,
                model_override: self.model_override.clone().filter(|m| !m.is_empty()),
                key_user_id,
            }),
            _ => Err(e),
        }
    }
}

/// The answer to a start.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunStarted {
    pub id: String,
    pub pipeline_id: String,
    pub status: String,
    pub task: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&RunRow> for RunStarted {
    fn from(r: &RunRow) -> Self {
        Self {
            id: r.id.clone(),
            pipeline_id: r.pipeline_id.clone(),
            status: r.status.clone(),
            task: r.task.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A run in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunSummary {
    pub id: String,
    pub pipeline_id: String,
    pub status: String,
    pub task: String,
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    pub agent_id: Option<String>,
    pub current_step_id: Option<String>,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
}

impl From<&RunRow> for RunSummary {
    fn from(r: &RunRow) -> Self {
        Self {
            id: r.id.clone(),
            pipeline_id: r.pipeline_id.clone(),
            status: r.status.clone(),
            task: r.task.clone(),
            project_id: r.project_id.clone(),
            task_id: r.task_id.clone(),
            agent_id: r.agent_id.clone(),
            current_step_id: r.current_step_id.clone(),
            error: r.error.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            completed_at: r.completed_at,
        }
    }
}

/// A run with its steps.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunDetail {
    pub id: String,
    pub pipeline_id: String,
    pub status: String,
    pub task: String,
    pub outputs: Value,
    pub current_step: Option<String>,
    pub current_step_id: Option<String>,
    pub human_context: Option<String>,
    pub error: Option<String>,
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    pub agent_id: Option<String>,
    /// Pipeline agent slug → the tenant agent it resolved to when the run started.
    pub agents: Value,
    pub task_branch: Option<String>,
    pub workspace_type: Option<String>,
    pub initiated_by_user_id: Option<String>,
    pub key_user_id: Option<String>,
    pub model_override: Option<String>,
    pub key_resolution: Option<Value>,
    pub generation: i32,
    pub created_at: i64,
    pub updated_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub steps: Vec<StepView>,
}

impl RunDetail {
    pub fn new(r: RunRow, steps: Vec<StepView>) -> Self {
        Self {
            current_step: r.current_step_id.clone(),
            current_step_id: r.current_step_id,
            id: r.id,
            pipeline_id: r.pipeline_id,
            status: r.status,
            task: r.task,
            outputs: r.outputs,
            human_context: r.human_context,
            error: r.error,
            project_id: r.project_id,
            task_id: r.task_id,
            agent_id: r.agent_id,
            agents: r.agents,
            task_branch: r.task_branch,
            workspace_type: r.workspace_type,
            initiated_by_user_id: r.initiated_by_user_id,
            key_user_id: r.key_user_id,
            model_override: r.model_override,
            key_resolution: r.key_resolution,
            generation: r.generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
            started_at: r.started_at,
            completed_at: r.completed_at,
            steps,
        }
    }
}

pub(super) fn page_errors(limit: Option<i64>, offset: Option<i64>, e: &mut Vec<FieldError>) {
    if limit.is_some_and(|l| !(1..=MAX_LIMIT).contains(&l)) {
        e.push(err("limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    if offset.is_some_and(|o| o < 0) {
        e.push(err("offset", "must not be negative"));
    }
}

/// `GET /v1/runs/` filters and page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListRunsQuery {
    pub pipeline_id: Option<String>,
    pub status: Option<String>,
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    pub agent_id: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Validate for ListRunsQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        page_errors(self.limit, self.offset, &mut e);
        kit::validate::finish(e)
    }
}

/// `DELETE /v1/runs/` filters: at least one.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BulkDeleteQuery {
    pub status: Option<String>,
    /// Runs created before this instant (epoch ms).
    pub before: Option<i64>,
}

impl Validate for BulkDeleteQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        Ok(())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkDeleted {
    pub count: usize,
    pub status: String,
}

/// `{run_id, status}` answers of the control endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunStatusAnswer {
    pub run_id: String,
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Resumed {
    pub run_id: String,
    pub status: String,
    pub requeued_steps: Vec<String>,
}

/// `{context?}` of restarts.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestartRequest {
    #[serde(default)]
    pub context: Option<String>,
}

impl Validate for RestartRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        if self.context.as_ref().is_some_and(|c| c.len() > MAX_TEXT) {
            return Err(vec![err(
                "context",
                format!("must be at most {MAX_TEXT} bytes"),
            )]);
        }
        Ok(())
    }
}

/// `{context}` added to a step's next prompt.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InjectRequest {
    pub context: String,
}

impl Validate for InjectRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        if self.context.trim().is_empty() || self.context.len() > MAX_TEXT {
            return Err(vec![err(
                "context",
                format!("must hold 1 to {MAX_TEXT} bytes"),
            )]);
        }
        Ok(())
    }
}

/// `PATCH /v1/runs/{id}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRunRequest {
    /// Only an end: `completed`, `failed` or `cancelled` (the control endpoints do the rest).
    pub status: Option<String>,
    pub outputs: Option<BTreeMap<String, Value>>,
    pub current_step_id: Option<String>,
    pub human_context: Option<String>,
    pub completed_at: Option<i64>,
    pub key_resolution: Option<Value>,
    pub initiated_by_user_id: Option<String>,
    pub model_override: Option<String>,
}

impl Validate for UpdateRunRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if let Some(s) = &self.status
            && !matches!(s.as_str(), "completed" | "failed" | "cancelled")
        {
            e.push(err("status", "must be completed, failed or cancelled"));
        }
        if self
            .human_context
            .as_ref()
            .is_some_and(|c| c.len() > MAX_TEXT)
        {
            e.push(err("human_context", "is too long"));
        }
        if self.model_override.as_ref().is_some_and(|m| m.len() > 256) {
            e.push(err("model_override", "is too long"));
        }
        if self.current_step_id.as_ref().is_some_and(|m| m.len() > 128) {
            e.push(err("current_step_id", "is too long"));
        }
        kit::validate::finish(e)
    }
}

/// `{id, pipeline_id, status, outputs, current_step_id, updated_at}` after a PATCH.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunUpdatedAnswer {
    pub id: String,
    pub pipeline_id: String,
    pub status: String,
    pub outputs: Value,
    pub current_step_id: Option<String>,
    pub updated_at: i64,
}
