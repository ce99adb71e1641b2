//! SQL of `project.tasks` and what a task's detail shows of its neighbours (dependency edges,
//! subtasks, runs). Positions are the board's business: see [`crate::store::task_board`].

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use serde::Serialize;
use shared_schemas::ids::TenantId;
use sqlx::{FromRow, Postgres, QueryBuilder};

pub fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "task_not_found", "task not found")
}

pub use crate::domain::tasks::Task;

const COLUMNS: &str = "t.id, t.project_id, t.title, t.description, t.status, t.priority, \
    t.assigned_agent, t.workflow_id, t.pipeline_id, t.run_id, t.parent_task_id, t.tags, \
    t.estimated_hours, t.column_id, t.column_position, t.metadata, t.work_type, \
    t.completed_stages, t.spec_review_status, t.quality_review_status, t.spec_review_notes, \
    t.quality_review_notes, t.completed_at, t.created_at, t.updated_at";

/// The task `task_id` of the project; with `lock`, the row is locked for this transaction.
pub async fn find(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
    lock: bool,
) -> Result<Option<Task>, ApiError> {
    let tenant = tx.tenant().clone();
    let lock = if lock { " for update" } else { "" };
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from project.tasks t
          where t.tenant_id = $1 and t.project_id = $2 and t.id = $3{lock}"
    ))
    .bind(tenant)
    .bind(project_id)
    .bind(task_id)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn require(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
    lock: bool,
) -> Result<Task, ApiError> {
    find(tx, project_id, task_id, lock)
        .await?
        .ok_or_else(not_found)
}

/// Inserts `task` (id and times set by the caller) and returns the stored row.
pub async fn insert(tx: &mut TenantTx, task: &Task) -> Result<Task, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "insert into project.tasks (id, tenant_id, project_id, title, description, status,
             priority, assigned_agent, workflow_id, pipeline_id, parent_task_id, tags,
             estimated_hours, column_id, column_position, metadata, work_type, completed_at,
             created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             $18, $19, $19)",
    )
    .bind(&task.id)
    .bind(&tenant)
    .bind(&task.project_id)
    .bind(&task.title)
    .bind(&task.description)
    .bind(&task.status)
    .bind(&task.priority)
    .bind(&task.assigned_agent)
    .bind(&task.workflow_id)
    .bind(&task.pipeline_id)
    .bind(&task.parent_task_id)
    .bind(&task.tags)
    .bind(task.estimated_hours)
    .bind(&task.column_id)
    .bind(task.column_position)
    .bind(&task.metadata)
    .bind(&task.work_type)
    .bind(task.completed_at)
    .bind(task.created_at)
    .execute(&mut **tx)
    .await?;
    require(tx, &task.project_id, &task.id, false).await
}

/// Writes back every field a task route may change and returns the stored row.
pub async fn save(tx: &mut TenantTx, task: &Task) -> Result<Task, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update project.tasks set title = $4, description = $5, status = $6, priority = $7,
                assigned_agent = $8, workflow_id = $9, pipeline_id = $10, tags = $11,
                estimated_hours = $12, column_id = $13, column_position = $14, metadata = $15,
                completed_at = $16, updated_at = $17
          where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(&tenant)
    .bind(&task.project_id)
    .bind(&task.id)
    .bind(&task.title)
    .bind(&task.description)
    .bind(&task.status)
    .bind(&task.priority)
    .bind(&task.assigned_agent)
    .bind(&task.workflow_id)
    .bind(&task.pipeline_id)
    .bind(&task.tags)
    .bind(task.estimated_hours)
    .bind(&task.column_id)
    .bind(task.column_position)
    .bind(&task.metadata)
    .bind(task.completed_at)
    .bind(task.updated_at)
    .execute(&mut **tx)
    .await?;
    require(tx, &task.project_id, &task.id, false).await
}

/// How many tasks the project holds (read under the board lock by whoever adds tasks).
pub async fn count(tx: &mut TenantTx, project_id: &str) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select count(*) from project.tasks where tenant_id = $1 and project_id = $2",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// Deletes the task; its dependency edges and run history go with it (foreign keys cascade)
/// and its subtasks lose their parent.
pub async fn delete(tx: &mut TenantTx, project_id: &str, task_id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query("delete from project.tasks where tenant_id = $1 and project_id = $2 and id = $3")
        .bind(tenant)
        .bind(project_id)
        .bind(task_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The pipeline a workflow of the project maps to; `None` when the project has no such
/// workflow.
pub async fn workflow_pipeline(
    tx: &mut TenantTx,
    project_id: &str,
    workflow_id: &str,
) -> Result<Option<String>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select pipeline_id from project.project_workflows
          where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(workflow_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// List filters; every one optional, all combined with `and`.
#[derive(Debug, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub priority: Option<String>,
    pub agent: Option<String>,
    pub tag: Option<String>,
    pub column_id: Option<String>,
    /// Case-insensitive substring of the title or description.
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

fn push_filters(b: &mut QueryBuilder<'_, Postgres>, tenant: TenantId, project: &str, f: &Filter) {
    b.push(
        " from project.tasks t join project.kanban_columns c
               on c.tenant_id = t.tenant_id and c.id = t.column_id
             where t.tenant_id = ",
    )
    .push_bind(tenant)
    .push(" and t.project_id = ")
    .push_bind(project.to_owned());
    if let Some(v) = &f.status {
        b.push(" and t.status = ").push_bind(v.clone());
    }
    if let Some(v) = &f.priority {
        b.push(" and t.priority = ").push_bind(v.clone());
    }
    if let Some(v) = &f.agent {
        b.push(" and t.assigned_agent = ").push_bind(v.clone());
    }
    if let Some(v) = &f.tag {
        b.push(" and t.tags @> jsonb_build_array(")
            .push_bind(v.clone())
            .push("::text)");
    }
    if let Some(v) = &f.column_id {
        b.push(" and t.column_id = ").push_bind(v.clone());
    }
    if let Some(v) = &f.q {
        let pattern = format!("%{}%", like_escape(v));
        b.push(" and (t.title ilike ")
            .push_bind(pattern.clone())
            .push(" escape '\\' or t.description ilike ")
            .push_bind(pattern)
            .push(" escape '\\')");
    }
}

/// `%`, `_` and `\` match themselves in a search, not as wildcards.
fn like_escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of the project's tasks in board order, and how many match in all.
pub async fn list(
    tx: &mut TenantTx,
    project_id: &str,
    filter: &Filter,
) -> Result<(Vec<Task>, i64), ApiError> {
    let tenant = tx.tenant().clone();
    let mut count = QueryBuilder::new("select count(*)");
    push_filters(&mut count, tenant.clone(), project_id, filter);
    let total: i64 = count.build_query_scalar().fetch_one(&mut **tx).await?;

    let mut page = QueryBuilder::new(format!("select {COLUMNS}"));
    push_filters(&mut page, tenant, project_id, filter);
    page.push(" order by c.position, c.id, t.column_position, t.created_at, t.id limit ")
        .push_bind(filter.limit)
        .push(" offset ")
        .push_bind(filter.offset);
    let tasks = page.build_query_as().fetch_all(&mut **tx).await?;
    Ok((tasks, total))
}

/// An edge into the task: `from_task_id` must finish first.
#[derive(Debug, FromRow, Serialize, utoipa::ToSchema)]
pub struct Blocking {
    pub id: String,
    pub from_task_id: String,
    pub from_task_title: String,
    pub from_task_status: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// An edge out of the task: `to_task_id` waits for it.
#[derive(Debug, FromRow, Serialize, utoipa::ToSchema)]
pub struct Dependent {
    pub id: String,
    pub to_task_id: String,
    pub to_task_title: String,
    pub to_task_status: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, FromRow, Serialize, utoipa::ToSchema)]
pub struct Subtask {
    pub id: String,
    pub title: String,
    pub status: String,
    pub priority: String,
}

#[derive(Debug, FromRow, Serialize, utoipa::ToSchema)]
pub struct TaskRun {
    pub id: i64,
    pub task_id: String,
    pub run_id: String,
    pub pipeline_id: String,
    pub status: String,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
}

/// What the task's detail shows around it.
pub struct Neighbours {
    pub blocking: Vec<Blocking>,
    pub dependents: Vec<Dependent>,
    pub subtasks: Vec<Subtask>,
    pub runs: Vec<TaskRun>,
}

/// The most rows of each kind a task's detail shows (the newest runs; the others are bounded
/// by the project's task and dependency limits anyway).
const MAX_NEIGHBOURS: i64 = 500;

pub async fn neighbours(tx: &mut TenantTx, task: &Task) -> Result<Neighbours, ApiError> {
    let tenant = tx.tenant().clone();
    let blocking = sqlx::query_as(
        "select e.id, e.from_task_id, f.title as from_task_title,
                f.status as from_task_status, e.type as kind
           from project.dependency_edges e
           join project.tasks f on f.tenant_id = e.tenant_id and f.id = e.from_task_id
          where e.tenant_id = $1 and e.project_id = $2 and e.to_task_id = $3
          order by e.created_at, e.id
          limit $4",
    )
    .bind(&tenant)
    .bind(&task.project_id)
    .bind(&task.id)
    .bind(MAX_NEIGHBOURS)
    .fetch_all(&mut **tx)
    .await?;
    let dependents = sqlx::query_as(
        "select e.id, e.to_task_id, d.title as to_task_title,
                d.status as to_task_status, e.type as kind
           from project.dependency_edges e
           join project.tasks d on d.tenant_id = e.tenant_id and d.id = e.to_task_id
          where e.tenant_id = $1 and e.project_id = $2 and e.from_task_id = $3
          order by e.created_at, e.id
          limit $4",
    )
    .bind(&tenant)
    .bind(&task.project_id)
    .bind(&task.id)
    .bind(MAX_NEIGHBOURS)
    .fetch_all(&mut **tx)
    .await?;
    let subtasks = sqlx::query_as(
        "select id, title, status, priority from project.tasks
          where tenant_id = $1 and project_id = $2 and parent_task_id = $3
          order by column_position, created_at, id
          limit $4",
    )
    .bind(&tenant)
    .bind(&task.project_id)
    .bind(&task.id)
    .bind(MAX_NEIGHBOURS)
    .fetch_all(&mut **tx)
    .await?;
    let runs = sqlx::query_as(
        "select id, task_id, run_id, pipeline_id, status, started_at, completed_at
           from project.task_runs
          where tenant_id = $1 and project_id = $2 and task_id = $3
          order by started_at desc nulls last, id desc
          limit $4",
    )
    .bind(&tenant)
    .bind(&task.project_id)
    .bind(&task.id)
    .bind(MAX_NEIGHBOURS)
    .fetch_all(&mut **tx)
    .await?;
    Ok(Neighbours {
        blocking,
        dependents,
        subtasks,
        runs,
    })
}

/// Clears the agent from every task of the tenant assigned to it.
pub async fn unassign_agent(tx: &mut TenantTx, agent_id: &str, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update project.tasks set assigned_agent = null, updated_at = $3
          where tenant_id = $1 and assigned_agent = $2",
    )
    .bind(tenant)
    .bind(agent_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
