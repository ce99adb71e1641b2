//! A project's workflows and workflow policy; every change reports PROJECT_UPDATED.

use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::project::ProjectRef;

use crate::api::workflows::{
    CreateWorkflowRequest, PolicyResponse, TaskWorkflow, UpdateWorkflowPolicyRequest,
    UpdateWorkflowRequest,
};
use crate::domain::limits;
use crate::domain::workflows as rules;
use crate::flows::{commit_with, open_project, project_ref};
use crate::store::dependencies::lock_project;
use crate::store::now_ms;
use crate::store::workflows::{self as store, NewWorkflow, Policy, Workflow, WorkflowPatch};

fn project_updated(project_id: &str) -> Result<Vec<Event>, ApiError> {
    Ok(vec![Event::ProjectUpdated(ProjectRef {
        project_id: project_ref(project_id)?,
    })])
}

pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<Vec<Workflow>, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let rows = store::list(&mut tx, &project_ref(project_id)?).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Adds a workflow; `is_default` takes the default from the previous one in the same change.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: CreateWorkflowRequest,
) -> Result<Workflow, ApiError> {
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    lock_project(&mut tx, &project).await?;
    let held = store::count(&mut tx, &project).await?;
    limits::room(
        "workflow_limit_reached",
        "workflows",
        held,
        1,
        limits::MAX_WORKFLOWS,
    )?;
    let new = NewWorkflow {
        name: req.name.trim().to_owned(),
        pipeline_id: req.pipeline_id,
        is_default: req.is_default,
        task_filter: req.task_filter,
        trigger: req.trigger.unwrap_or_else(|| "manual".to_owned()),
    };
    let row = store::insert(&mut tx, &project, &new, now_ms()).await?;
    commit_with(tx, project_updated(project_id)?).await?;
    Ok(row)
}

pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    workflow_id: &str,
    req: UpdateWorkflowRequest,
) -> Result<Workflow, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let current = store::require(&mut tx, &project_ref(project_id)?, workflow_id).await?;
    let patch = WorkflowPatch {
        name: req.name.map(|n| n.trim().to_owned()),
        pipeline_id: req.pipeline_id,
        is_default: req.is_default,
        task_filter: req.task_filter,
        trigger: req.trigger,
    };
    let workflow = store::update(&mut tx, &current, &patch, now_ms()).await?;
    commit_with(tx, project_updated(project_id)?).await?;
    Ok(workflow)
}

pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    workflow_id: &str,
) -> Result<(), ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    store::delete(&mut tx, &project_ref(project_id)?, workflow_id).await?;
    commit_with(tx, project_updated(project_id)?).await
}

pub async fn policy(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<PolicyResponse, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let policy = store::policy(&mut tx, &project_ref(project_id)?).await?;
    tx.commit().await?;
    PolicyResponse::new(project_id.to_owned(), policy)
}

/// Creates or replaces the project's stage rules.
pub async fn put_policy(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: UpdateWorkflowPolicyRequest,
) -> Result<Policy, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let policy = store::upsert_policy(
        &mut tx,
        &project_ref(project_id)?,
        &req.stage_rules,
        now_ms(),
    )
    .await?;
    commit_with(tx, project_updated(project_id)?).await?;
    Ok(policy)
}

/// Where the task stands in the policy; without one only its status and stage.
pub async fn task_workflow(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
) -> Result<TaskWorkflow, ApiError> {
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let task = store::task_stages(&mut tx, &project, task_id).await?;
    let policy = store::policy(&mut tx, &project).await?;
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
    Ok(TaskWorkflow {
        task_id: task_id.to_owned(),
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
    })
}
