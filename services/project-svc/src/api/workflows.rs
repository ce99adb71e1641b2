//! Requests and answers of a project's workflows, its workflow policy and a task's route
//! through it.

use kit::ApiError;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::validate::{self, MAX_NAME, finish};
use crate::domain::workflows::{self as rules, ResolvedStages, StageRules, TaskFilter};

/// Rows the API answers with as they are stored.
pub use crate::store::workflows::{Policy, Workflow};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateWorkflowRequest {
    pub name: String,
    /// A pipeline id of engine-svc (its form is checked, not its existence).
    pub pipeline_id: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub task_filter: TaskFilter,
    /// `manual` (default) or `auto`.
    pub trigger: Option<String>,
}

impl Validate for CreateWorkflowRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut errors);
        rules::check_pipeline("pipelineId", &self.pipeline_id, &mut errors);
        self.task_filter.check("taskFilter", &mut errors);
        if let Some(t) = &self.trigger {
            rules::check_trigger("trigger", t, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateWorkflowRequest {
    pub name: Option<String>,
    pub pipeline_id: Option<String>,
    pub is_default: Option<bool>,
    pub task_filter: Option<TaskFilter>,
    pub trigger: Option<String>,
}

impl Validate for UpdateWorkflowRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(n) = &self.name {
            validate::name("name", n, MAX_NAME, &mut errors);
        }
        if let Some(p) = &self.pipeline_id {
            rules::check_pipeline("pipelineId", p, &mut errors);
        }
        if let Some(f) = &self.task_filter {
            f.check("taskFilter", &mut errors);
        }
        if let Some(t) = &self.trigger {
            rules::check_trigger("trigger", t, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkflowUpdated {
    /// `updated`, as the reference answers.
    pub status: &'static str,
    pub workflow: Workflow,
}

/// The policy, or `exists: false` with empty rules when the project has none.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyResponse {
    pub exists: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub project_id: String,
    #[schema(value_type = Object)]
    pub stage_rules: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
}

impl PolicyResponse {
    pub fn new(project_id: String, policy: Option<Policy>) -> Result<Self, ApiError> {
        Ok(match policy {
            None => Self {
                exists: false,
                id: None,
                project_id,
                stage_rules: serde_json::json!({}),
                created_at: None,
                updated_at: None,
            },
            Some(p) => Self {
                exists: true,
                id: Some(p.id),
                project_id: p.project_id,
                stage_rules: serde_json::to_value(&p.stage_rules.0).map_err(ApiError::internal)?,
                created_at: Some(p.created_at),
                updated_at: Some(p.updated_at),
            },
        })
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateWorkflowPolicyRequest {
    /// `{ work_type: [ {stage, disposition: required|optional|skip, agent_role?} ] }`.
    #[schema(value_type = Object)]
    pub stage_rules: StageRules,
}

impl Validate for UpdateWorkflowPolicyRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        rules::check_stage_rules(&self.stage_rules, &mut errors);
        finish(errors)
    }
}

/// Where a task stands: without a policy only its status and stage (every move is allowed).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskWorkflow {
    pub task_id: String,
    pub has_policy: bool,
    pub current_status: String,
    pub completed_stages: Vec<String>,
    /// Without a policy: the task's own work type and stage, and a message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_stage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(flatten)]
    pub resolved: Option<ResolvedStages>,
}
