//! Requests and answers of running tasks (`execute`, `execute-agent`, `execute-ready`, `plan`).
//! What engine-svc sends back (`run-completed`) is in `shared_schemas::runs`.

use kit::ApiError;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use shared_schemas::runs::RunEndReport;

use crate::domain::validate::{self, MAX_DESCRIPTION, finish};
use crate::domain::workflows::check_pipeline;

/// The status of a run project-svc has requested: recorded and on its way to engine-svc.
pub const REQUESTED: &str = "requested";

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecuteTaskRequest {
    /// A workflow of this project whose pipeline runs the task.
    pub workflow_id: Option<String>,
    /// The pipeline to run, before any workflow.
    pub pipeline_id: Option<String>,
    /// Extra context for the run.
    pub context: Option<String>,
    pub model_override: Option<String>,
    /// Whose API keys the run uses (a user of the tenant); the caller by default.
    pub key_user_id: Option<String>,
}

impl Validate for ExecuteTaskRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(p) = &self.pipeline_id {
            check_pipeline("pipelineId", p, &mut errors);
        }
        if self
            .workflow_id
            .as_ref()
            .is_some_and(|w| w.is_empty() || w.len() > 64)
        {
            errors.push(validate::err("workflowId", "must be 1 to 64 characters"));
        }
        validate::text(
            "context",
            self.context.as_deref(),
            MAX_DESCRIPTION,
            &mut errors,
        );
        check_options(
            self.model_override.as_deref(),
            self.key_user_id.as_deref(),
            &mut errors,
        );
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecuteAgentRequest {
    /// An agent assigned to this project.
    pub agent_id: String,
    pub model_override: Option<String>,
    pub key_user_id: Option<String>,
}

impl Validate for ExecuteAgentRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if shared_schemas::ids::AgentId::parse(self.agent_id.as_str()).is_err() {
            errors.push(validate::err("agentId", "must be an agent id (`agt_…`)"));
        }
        check_options(
            self.model_override.as_deref(),
            self.key_user_id.as_deref(),
            &mut errors,
        );
        finish(errors)
    }
}

/// Field rules shared by the execution requests.
fn check_options(
    model_override: Option<&str>,
    key_user_id: Option<&str>,
    errors: &mut Vec<FieldError>,
) {
    if let Some(m) = model_override
        && (m.trim().is_empty() || m.len() > 256 || m.chars().any(char::is_control))
    {
        errors.push(validate::err(
            "modelOverride",
            "must be 1 to 256 characters",
        ));
    }
    if let Some(u) = key_user_id
        && shared_schemas::ids::UserId::parse(u).is_err()
    {
        errors.push(validate::err("keyUserId", "must be a user id (`usr_…`)"));
    }
}

/// A run requested for a task, as the execution endpoints list it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StartedTask {
    pub task_id: String,
    pub run_id: String,
    pub pipeline_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Executing {
    /// `requested`: the run is recorded and handed to engine-svc, which starts it.
    pub status: &'static str,
    #[serde(flatten)]
    pub run: StartedTask,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReadyQuery {
    /// 1 to 50; 5 by default.
    pub max_tasks: Option<i64>,
}

impl Validate for ReadyQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        match self.limit() {
            Ok(_) => Ok(()),
            Err(_) => Err(vec![kit::validate::err("max_tasks", "must be 1 to 50")]),
        }
    }
}

/// engine-svc's report that a task's run ended (`shared_schemas::runs::RunEndReport`), as
/// this route reads and checks it.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunEndQuery {
    /// The run that ended.
    pub run_id: String,
    /// `completed` or `failed`; other run statuses are acknowledged and ignored.
    pub status: String,
}

impl Validate for RunEndQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (path, value) in [("run_id", &self.run_id), ("status", &self.status)] {
            if value.is_empty() || value.len() > 128 {
                errors.push(kit::validate::err(path, "must be 1 to 128 characters"));
            }
        }
        finish(errors)
    }
}

impl From<RunEndQuery> for RunEndReport {
    fn from(q: RunEndQuery) -> Self {
        Self {
            run_id: q.run_id,
            status: q.status,
        }
    }
}

impl ReadyQuery {
    /// How many tasks to start at most; 422 outside 1 to 50.
    pub fn limit(&self) -> Result<i64, ApiError> {
        let limit = self.max_tasks.unwrap_or(5);
        if !(1..=50).contains(&limit) {
            return Err(validate::field_error("max_tasks", "must be 1 to 50"));
        }
        Ok(limit)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub task_id: String,
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadyExecuted {
    /// `requested` (runs were requested or tasks skipped), or `no_ready_tasks`.
    pub status: &'static str,
    pub executed: usize,
    pub skipped: usize,
    pub tasks: Vec<StartedTask>,
    pub skipped_tasks: Vec<Skipped>,
}

/// A planning run, body optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlanProjectRequest {
    /// `planning` by default.
    pub pipeline_id: Option<String>,
    pub context: Option<String>,
}

impl Validate for PlanProjectRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(p) = &self.pipeline_id {
            check_pipeline("pipelineId", p, &mut errors);
        }
        validate::text(
            "context",
            self.context.as_deref(),
            MAX_DESCRIPTION,
            &mut errors,
        );
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Planning {
    /// `requested`: the planning run is handed to engine-svc, which starts it.
    pub status: &'static str,
    pub project_id: String,
    pub run_id: String,
    pub pipeline_id: String,
}
