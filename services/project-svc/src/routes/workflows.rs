//! Workflows (a project's pipeline mappings, one of them the default, with task filters), the
//! project's workflow policy (stage rules per work type) and a task's resolved route through
//! it. Any credential of the tenant reads; users write.

use axum::Json;
use axum::extract::{Path, State};
use kit::auth::scope::UserOnly;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::workflows::{
    CreateWorkflowRequest, PolicyResponse, TaskWorkflow, UpdateWorkflowPolicyRequest,
    UpdateWorkflowRequest, WorkflowUpdated,
};
use crate::api::workflows::{Policy, Workflow};
use crate::flows::workflows as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, delete))
        .routes(routes!(get_policy, put_policy))
        .routes(routes!(task_workflow))
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
    Ok(Json(flow::list(&platform, &ctx, &project_id).await?))
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
    Ok(Json(
        flow::create(&platform, &ctx, &project_id, body).await?,
    ))
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
    let workflow = flow::update(&platform, &ctx, &project_id, &workflow_id, body).await?;
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
    flow::delete(&platform, &ctx, &project_id, &workflow_id).await?;
    Ok(Json(serde_json::json!({ "status": "deleted" })))
}

#[utoipa::path(get, path = "/v1/projects/{project_id}/workflow-policy", tag = "workflows",
    params(("project_id" = String, Path)),
    responses((status = 200, body = PolicyResponse), (status = 404)))]
async fn get_policy(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<PolicyResponse>, ApiError> {
    Ok(Json(flow::policy(&platform, &ctx, &project_id).await?))
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
    Ok(Json(
        flow::put_policy(&platform, &ctx, &project_id, body).await?,
    ))
}

#[utoipa::path(get, path = "/v1/projects/{project_id}/tasks/{task_id}/workflow",
    tag = "workflows", params(("project_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = TaskWorkflow), (status = 404)))]
async fn task_workflow(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
) -> Result<Json<TaskWorkflow>, ApiError> {
    Ok(Json(
        flow::task_workflow(&platform, &ctx, &project_id, &task_id).await?,
    ))
}
