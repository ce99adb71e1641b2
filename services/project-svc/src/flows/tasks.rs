//! A project's tasks as the API sees them: list, read, and the create/update/delete of
//! [`crate::flows::task_changes`], each in its own transaction committed with its events.

use kit::{ApiError, Platform, TenantContext, TokenKind};

use crate::api::task_moves::{
    ClaimResponse, ClaimTaskRequest, MoveResponse, MoveTaskRequest, TransitionResponse,
    TransitionTaskRequest,
};
use crate::api::tasks::{
    CreateTaskRequest, DEFAULT_LIMIT, ListQuery, TaskDetail, UpdateTaskRequest,
};
use crate::domain::limits::Limits;
use crate::flows::task_changes::{self, NewTask, TaskPatch};
use crate::flows::task_moves::{self, Claim};
use crate::flows::{commit_with, open_project};
use crate::store::tasks::{self as store, Filter, Task};

/// One page of the project's tasks in board order, with the total of matching tasks.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    q: ListQuery,
) -> Result<(Vec<Task>, i64), ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let page = store::list(&mut tx, project_id, &q.into()).await?;
    tx.commit().await?;
    Ok(page)
}

pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: CreateTaskRequest,
    limits: Limits,
) -> Result<Task, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let (task, events) = task_changes::create(&mut tx, project_id, req.into(), limits).await?;
    commit_with(tx, events).await?;
    Ok(task)
}

/// The task with its edges, subtasks and run history.
pub async fn detail(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
) -> Result<TaskDetail, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let task = store::require(&mut tx, project_id, task_id, false).await?;
    let n = store::neighbours(&mut tx, &task).await?;
    tx.commit().await?;
    Ok(TaskDetail {
        task,
        blocking_dependencies: n.blocking,
        dependents: n.dependents,
        subtasks: n.subtasks,
        run_history: n.runs,
    })
}

pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    req: UpdateTaskRequest,
) -> Result<Task, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let (task, events) = task_changes::update(&mut tx, project_id, task_id, req.into()).await?;
    commit_with(tx, events).await?;
    Ok(task)
}

pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
) -> Result<(), ApiError> {
    require_deleter(ctx)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let events = task_changes::delete(&mut tx, project_id, task_id).await?;
    commit_with(tx, events).await
}

/// Deleting a task (with its edges and run history) is for the tenant's users and services.
/// An agent's credential works on tasks (claims, transitions, updates) but never deletes one:
/// no agent workflow needs it, and an agent's token would otherwise reach every project of its
/// tenant (security review L11). Checked before the project is looked up, so the answer is the
/// same for any project id.
fn require_deleter(ctx: &TenantContext) -> Result<(), ApiError> {
    match ctx.kind() {
        TokenKind::User | TokenKind::Service => Ok(()),
        TokenKind::Agent => Err(ApiError::forbidden(
            "agents cannot delete tasks; a user or service of the tenant can",
        )),
    }
}

/// Moves the task to a column and place; the status follows the column.
pub async fn move_task(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    req: MoveTaskRequest,
) -> Result<MoveResponse, ApiError> {
    let position = usize::try_from(req.position).unwrap_or(0);
    let mut tx = open_project(platform, ctx, project_id).await?;
    let (task, at, events) =
        task_moves::move_to(&mut tx, project_id, task_id, &req.column_id, position).await?;
    commit_with(tx, events).await?;
    Ok(MoveResponse {
        status: "moved",
        column_id: task.column_id,
        position: at,
        task_status: task.status,
    })
}

/// Assigns the task to the agent unless another agent holds it; an agent claims for itself only.
pub async fn claim(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    req: ClaimTaskRequest,
) -> Result<ClaimResponse, ApiError> {
    ctx.require_access_to_agent(&req.agent_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let (outcome, events) = task_moves::claim(&mut tx, project_id, task_id, &req.agent_id).await?;
    commit_with(tx, events).await?;
    let (status, task, branch) = match outcome {
        Claim::Claimed(t, b) => ("claimed", t, b),
        Claim::AlreadyHeld(t, b) => ("already_claimed", t, b),
    };
    Ok(ClaimResponse {
        status,
        task_id: task.id,
        agent_id: req.agent_id,
        branch,
    })
}

/// Sets the task's status and moves it to the first column carrying it.
pub async fn transition(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    req: TransitionTaskRequest,
) -> Result<TransitionResponse, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let note = req.note.as_deref();
    let (task, from, events) =
        task_moves::transition(&mut tx, project_id, task_id, &req.status, note).await?;
    commit_with(tx, events).await?;
    Ok(TransitionResponse {
        status: "transitioned",
        task_id: task.id,
        from_status: from,
        to_status: task.status,
        column_id: task.column_id,
        work_type: task.work_type,
        completed_stages: task.completed_stages.map(|j| j.0),
    })
}

impl From<CreateTaskRequest> for NewTask {
    fn from(r: CreateTaskRequest) -> Self {
        Self {
            title: r.title,
            description: r.description,
            priority: r.priority,
            assigned_agent: r.assigned_agent,
            workflow_id: r.workflow_id,
            parent_task_id: r.parent_task_id,
            tags: r.tags,
            estimated_hours: r.estimated_hours,
            column_id: r.column_id,
            status: r.status,
            metadata: r.metadata,
            work_type: r.work_type,
        }
    }
}

impl From<UpdateTaskRequest> for TaskPatch {
    fn from(r: UpdateTaskRequest) -> Self {
        Self {
            title: r.title,
            description: r.description,
            status: r.status,
            priority: r.priority,
            assigned_agent: r.assigned_agent,
            workflow_id: r.workflow_id,
            tags: r.tags,
            estimated_hours: r.estimated_hours,
            metadata: r.metadata,
        }
    }
}

impl From<ListQuery> for Filter {
    fn from(q: ListQuery) -> Self {
        Self {
            status: q.status,
            priority: q.priority,
            agent: q.agent,
            tag: q.tag,
            column_id: q.column_id,
            q: q.q,
            limit: q.limit.unwrap_or(DEFAULT_LIMIT),
            offset: q.offset.unwrap_or(0),
        }
    }
}
