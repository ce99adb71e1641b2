//! Workflows (a project's pipeline mappings, one of them the default, with task filters), the
//! project's workflow policy (stage rules per work type) and a task's resolved route through
//! it. Any credential of the tenant reads; users write.

use axum::Json;
use axum::extract::{Path, State};
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use shared_schemas::events::Event;
use shared_schemas::events::project::ProjectRef;
use shared_schemas::ids::ProjectId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::domain::workflows::{self as rules, ResolvedStages, StageRules, TaskFilter};
use crate::flows::{commit_with, open_project};
use crate::store::{self, workflows::NewWorkflow, workflows::Policy, workflows::Workflow};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, delete))
        .routes(routes!(get_policy, put_policy))
        .routes(routes!(task_workflow))
}

/// The project's id as events carry it (`open_project` has already found the project).
pub(crate) fn project_ref(project_id: &str) -> Result<ProjectId, ApiError> {
    ProjectId::parse(project_id).map_err(|_| store::projects::not_found())
}

fn project_updated(project_id: &str) -> Result<Vec<Event>, ApiError> {
    Ok(vec![Event::ProjectUpdated(ProjectRef {
        project_id: project_ref(project_id)?,
    })])
}

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

/// The project's workflows, oldest first.
#[utoipa::path(get, path = "/v1/projects/{project_id}/workflows", tag = "workflows",
    params(("project_id" = String, Path)),
    responses((status = 200, body = [Workflow]), (status = 404)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<Vec<Workflow>>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let rows = store::workflows::list(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(rows))
}

/// Adds a workflow; `isDefault` takes the default from the previous one in the same change.
#[utoipa::path(post, path = "/v1/projects/{project_id}/workflows", tag = "workflows",
    params(("project_id" = String, Path)), request_body = CreateWorkflowRequest,
    responses((status = 200, body = Workflow), (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(project_id): Path<String>,
    ValidJson(body): ValidJson<CreateWorkflowRequest>,
) -> Result<Json<Workflow>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let new = NewWorkflow {
        name: body.name.trim().to_owned(),
        pipeline_id: body.pipeline_id,
        is_default: body.is_default,
        task_filter: body.task_filter,
        trigger: body.trigger.unwrap_or_else(|| "manual".to_owned()),
    };
    let row = store::workflows::insert(&mut tx, &project_id, &new, store::now_ms()).await?;
    let events = project_updated(&project_id)?;
    commit_with(tx, events).await?;
    Ok(Json(row))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkflowUpdated {
    /// `updated`, as the reference answers.
    pub status: &'static str,
    pub workflow: Workflow,
}

/// Changes the given fields; `isDefault: true` moves the default here.
#[utoipa::path(put, path = "/v1/projects/{project_id}/workflows/{workflow_id}", tag = "workflows",
    params(("project_id" = String, Path), ("workflow_id" = String, Path)),
    request_body = UpdateWorkflowRequest,
    responses((status = 200, body = WorkflowUpdated), (status = 404), (status = 409), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((project_id, workflow_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpdateWorkflowRequest>,
) -> Result<Json<WorkflowUpdated>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let current = store::workflows::require(&mut tx, &project_id, &workflow_id).await?;
    let patch = store::workflows::WorkflowPatch {
        name: body.name.map(|n| n.trim().to_owned()),
        pipeline_id: body.pipeline_id,
        is_default: body.is_default,
        task_filter: body.task_filter,
        trigger: body.trigger,
    };
    let workflow = store::workflows::update(&mut tx, &current, &patch, store::now_ms()).await?;
    let events = project_updated(&project_id)?;
    commit_with(tx, events).await?;
    Ok(Json(WorkflowUpdated {
        status: "updated",
        workflow,
    }))
}

/// Deletes a workflow; tasks that named it fall back to the other workflows and defaults.
#[utoipa::path(delete, path = "/v1/projects/{project_id}/workflows/{workflow_id}",
    tag = "workflows", params(("project_id" = String, Path), ("workflow_id" = String, Path)),
    responses((status = 200, description = "`{\"status\": \"deleted\"}`"), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((project_id, workflow_id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    store::workflows::delete(&mut tx, &project_id, &workflow_id).await?;
    let events = project_updated(&project_id)?;
    commit_with(tx, events).await?;
    Ok(Json(serde_json::json!({ "status": "deleted" })))
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
    fn new(project_id: String, policy: Option<Policy>) -> Result<Self, ApiError> {
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

#[utoipa::path(get, path = "/v1/projects/{project_id}/workflow-policy", tag = "workflows",
    params(("project_id" = String, Path)),
    responses((status = 200, body = PolicyResponse), (status = 404)))]
async fn get_policy(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<PolicyResponse>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let policy = store::workflows::policy(&mut tx, &project_id).await?;
    tx.commit().await?;
    PolicyResponse::new(project_id, policy).map(Json)
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

/// Creates or replaces the project's stage rules.
#[utoipa::path(put, path = "/v1/projects/{project_id}/workflow-policy", tag = "workflows",
    params(("project_id" = String, Path)), request_body = UpdateWorkflowPolicyRequest,
    responses((status = 200, body = Policy), (status = 404), (status = 422)))]
async fn put_policy(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(project_id): Path<String>,
    ValidJson(body): ValidJson<UpdateWorkflowPolicyRequest>,
) -> Result<Json<Policy>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let now = store::now_ms();
    let policy =
        store::workflows::upsert_policy(&mut tx, &project_id, &body.stage_rules, now).await?;
    let events = project_updated(&project_id)?;
    commit_with(tx, events).await?;
    Ok(Json(policy))
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

#[utoipa::path(get, path = "/v1/projects/{project_id}/tasks/{task_id}/workflow",
    tag = "workflows", params(("project_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = TaskWorkflow), (status = 404)))]
async fn task_workflow(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
) -> Result<Json<TaskWorkflow>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let task = store::workflows::task_stages(&mut tx, &project_id, &task_id).await?;
    let policy = store::workflows::policy(&mut tx, &project_id).await?;
    tx.commit().await?;
    let completed = task.completed();
    let resolved = policy.map(|p| {
        rules::resolve(
            task.work_type.as_deref(),
            &completed,
            &task.status,
            &p.stage_rules,
        )
    });
    Ok(Json(TaskWorkflow {
        task_id,
        has_policy: resolved.is_some(),
        completed_stages: completed,
        work_type: resolved.is_none().then_some(task.work_type).flatten(),
        current_stage: resolved
            .is_none()
            .then(|| rules::stage_for_status(&task.status).map(str::to_owned))
            .flatten(),
        message: resolved.is_none().then(|| {
            "No workflow policy configured for this project. All transitions are allowed."
                .to_owned()
        }),
        current_status: task.status,
        resolved,
    }))
}
