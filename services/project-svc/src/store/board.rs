//! The rows a project's board shows besides its columns: a page of tasks, the dependency edges
//! touching them, workflows and assigned agents, read as they are stored (the reference's
//! serialisers), one statement per table. Nothing here reads an unbounded set: tasks come a
//! page at a time without their 64 KiB fields, edges only for that page, and workflows and
//! agents are capped where they are created (and here again).

use kit::ApiError;
use kit::db::TenantTx;
use serde::Serialize;
use shared_schemas::ids::{ProjectId, TaskId};
use sqlx::FromRow;
use sqlx::types::Json;

/// A task on the board: the reference's `_serialize_task` (plus `work_type`) without
/// `description` and `metadata` (up to 64 KiB each; `GET …/tasks/{id}` and the task list
/// answer them), so a page of the board stays small.
#[derive(Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct BoardTask {
    pub id: TaskId,
    pub project_id: ProjectId,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub assigned_agent: Option<String>,
    pub workflow_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub run_id: Option<String>,
    pub parent_task_id: Option<TaskId>,
    #[schema(value_type = Vec<String>)]
    pub tags: Json<serde_json::Value>,
    pub estimated_hours: Option<f64>,
    pub column_id: String,
    pub column_position: i32,
    pub work_type: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
}

#[derive(Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct BoardDependency {
    pub id: String,
    pub project_id: ProjectId,
    pub from_task_id: TaskId,
    pub to_task_id: TaskId,
    /// `blocks` or `informs`.
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct BoardWorkflow {
    pub id: String,
    pub project_id: ProjectId,
    pub name: String,
    pub pipeline_id: String,
    pub is_default: bool,
    #[schema(value_type = Object)]
    pub task_filter: Json<serde_json::Value>,
    pub trigger: String,
}

#[derive(Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct BoardAgent {
    pub project_id: ProjectId,
    pub agent_id: String,
    pub role: String,
    pub assigned_at: i64,
    pub assigned_by: Option<String>,
}

/// Most workflows and agents a board lists: more than a project can hold
/// ([`crate::domain::limits`]), so only rows written around the API are left out.
const MAX_ROWS: i64 = 500;

/// `limit` tasks from `offset`, column by column (in board order), then by their place in
/// the column; and how many tasks the project has.
pub async fn tasks(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<BoardTask>, i64), ApiError> {
    let tenant = tx.tenant().clone();
    let total: i64 = sqlx::query_scalar(
        "select count(*) from project.tasks where tenant_id = $1 and project_id = $2",
    )
    .bind(&tenant)
    .bind(project_id)
    .fetch_one(&mut **tx)
    .await?;
    let rows = sqlx::query_as::<_, BoardTask>(
        "select t.id, t.project_id, t.title, t.status, t.priority,
                t.assigned_agent, t.workflow_id, t.pipeline_id, t.run_id, t.parent_task_id,
                t.tags, t.estimated_hours, t.column_id, t.column_position,
                t.work_type, t.created_at, t.updated_at, t.completed_at
         from project.tasks t
         join project.kanban_columns c
           on c.tenant_id = t.tenant_id and c.project_id = t.project_id and c.id = t.column_id
         where t.tenant_id = $1 and t.project_id = $2
         order by c.position, c.id, t.column_position, t.created_at, t.id
         limit $3 offset $4",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// The edges with either end among `task_ids` (a page of the board).
pub async fn dependencies(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    task_ids: &[TaskId],
) -> Result<Vec<BoardDependency>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, BoardDependency>(
        "select id, project_id, from_task_id, to_task_id, type as kind
         from project.dependency_edges
         where tenant_id = $1 and project_id = $2
           and (from_task_id = any($3) or to_task_id = any($3))
         order by created_at, id",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(task_ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

pub async fn workflows(
    tx: &mut TenantTx,
    project_id: &ProjectId,
) -> Result<Vec<BoardWorkflow>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, BoardWorkflow>(
        "select id, project_id, name, pipeline_id, is_default, task_filter, trigger
         from project.project_workflows
         where tenant_id = $1 and project_id = $2 order by created_at, id limit $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(MAX_ROWS)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// Agents by role, then by when they joined (the reference's order).
pub async fn agents(
    tx: &mut TenantTx,
    project_id: &ProjectId,
) -> Result<Vec<BoardAgent>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, BoardAgent>(
        "select project_id, agent_id, role, assigned_at, assigned_by
         from project.project_agents
         where tenant_id = $1 and project_id = $2 order by role, assigned_at, agent_id
         limit $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(MAX_ROWS)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}
