//! A project's tasks as the API sees them: list, read, and the create/update/delete of
//! [`crate::flows::task_changes`], each in its own transaction committed with its events.

use kit::{ApiError, Platform, TenantContext};

use crate::api::tasks::{
    CreateTaskRequest, DEFAULT_LIMIT, ListQuery, TaskDetail, UpdateTaskRequest,
};
use crate::flows::task_changes::{self, NewTask, TaskPatch};
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
) -> Result<Task, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let (task, events) = task_changes::create(&mut tx, project_id, req.into()).await?;
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
    let mut tx = open_project(platform, ctx, project_id).await?;
    let events = task_changes::delete(&mut tx, project_id, task_id).await?;
    commit_with(tx, events).await
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
