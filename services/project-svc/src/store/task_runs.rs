//! SQL of running tasks: what execution reads of a project and its tasks, the ready tasks,
//! and `project.task_runs` (every run started for a task and how it ended).

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;
use sqlx::types::Json;

use crate::store::task_board;

/// What starting a run needs to know of a project.
#[derive(Debug, Clone, FromRow)]
pub struct ProjectForRun {
    pub name: String,
    pub description: String,
    pub default_pipeline_id: Option<String>,
    pub status_semantics: Option<Json<serde_json::Value>>,
}

pub async fn project(tx: &mut TenantTx, project_id: &str) -> Result<ProjectForRun, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, ProjectForRun>(
        "select name, description, default_pipeline_id, status_semantics
         from project.projects where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(crate::store::projects::not_found)
}

/// A task as execution sees it.
#[derive(Debug, Clone, FromRow)]
pub struct TaskForRun {
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub tags: Json<Vec<String>>,
    pub work_type: Option<String>,
    pub workflow_id: Option<String>,
    pub assigned_agent: Option<String>,
    pub run_id: Option<String>,
}

const TASK: &str = "t.id, t.title, t.description, t.status, t.priority, t.tags, t.work_type,
    t.workflow_id, t.assigned_agent, t.run_id";

pub fn task_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "task_not_found",
        "task not found",
    )
}

/// The task, locked until the transaction ends: two starts of one task run one after the other.
/// The board is locked first, in the order every position-writing change uses (columns, then
/// tasks), so a start and a move of the same task cannot deadlock.
pub async fn lock_task(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
) -> Result<TaskForRun, ApiError> {
    task_board::lock_board(tx, project_id).await?;
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, TaskForRun>(&format!(
        "select {TASK} from project.tasks t
         where t.tenant_id = $1 and t.project_id = $2 and t.id = $3 for update"
    ))
    .bind(tenant)
    .bind(project_id)
    .bind(task_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(task_not_found)
}

/// Tasks in a startable status whose `blocks` predecessors are all done, most urgent first,
/// locked; tasks another transaction holds are left to it.
pub async fn lock_ready(
    tx: &mut TenantTx,
    project_id: &str,
    startable: &[String],
    done: &[String],
    limit: i64,
) -> Result<Vec<TaskForRun>, ApiError> {
    task_board::lock_board(tx, project_id).await?;
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, TaskForRun>(&format!(
        "select {TASK} from project.tasks t
         where t.tenant_id = $1 and t.project_id = $2 and t.status = any($3)
           and not exists (
               select 1 from project.dependency_edges e
               join project.tasks p on p.tenant_id = e.tenant_id and p.id = e.from_task_id
               where e.tenant_id = $1 and e.project_id = $2 and e.to_task_id = t.id
                 and e.type = 'blocks' and not (p.status = any($4)))
         order by t.priority, t.column_position, t.created_at, t.id
         limit $5
         for update of t skip locked"
    ))
    .bind(tenant)
    .bind(project_id)
    .bind(startable)
    .bind(done)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// Agents with a task in `running` status: execute-ready gives each agent one task at a time.
pub async fn busy_agents(
    tx: &mut TenantTx,
    project_id: &str,
    running: &str,
) -> Result<Vec<String>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_scalar(
        "select distinct assigned_agent from project.tasks
         where tenant_id = $1 and project_id = $2 and status = $3 and assigned_agent is not null",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(running)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// Gives the task `status` and moves it to the first column holding that status (to the end
/// of it), when the board has one; a board without such a column keeps the task where it is.
async fn set_status(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
    status: &str,
    now: i64,
) -> Result<(), ApiError> {
    task_board::lock_board(tx, project_id).await?;
    let before: Option<String> = sqlx::query_scalar(
        "select column_id from project.tasks where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(tx.tenant().clone())
    .bind(project_id)
    .bind(task_id)
    .fetch_optional(&mut **tx)
    .await?;
    let tenant = tx.tenant().clone();
    sqlx::query(
        "with target as (
             select id from project.kanban_columns
             where tenant_id = $1 and project_id = $2
               and task_statuses @> jsonb_build_array($4::text)
             order by position, id limit 1)
         update project.tasks t set
             status = $4,
             column_position = case
                 when (select id from target) is distinct from t.column_id
                  and (select id from target) is not null
                 then coalesce((select max(x.column_position) + 1 from project.tasks x
                                where x.tenant_id = $1 and x.project_id = $2
                                  and x.column_id = (select id from target)), 0)
                 else t.column_position end,
             column_id = coalesce((select id from target), t.column_id),
             updated_at = $5
         where t.tenant_id = $1 and t.project_id = $2 and t.id = $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(task_id)
    .bind(status)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    // The column it left keeps dense positions.
    let after: Option<String> = sqlx::query_scalar(
        "select column_id from project.tasks where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(tx.tenant().clone())
    .bind(project_id)
    .bind(task_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(old) = before
        && after.as_ref() != Some(&old)
    {
        task_board::close_gap(tx, &old).await?;
    }
    Ok(())
}

pub struct Requested<'a> {
    pub task_id: &'a str,
    pub run_id: &'a str,
    pub pipeline_id: &'a str,
    /// The status a running task takes.
    pub status: &'a str,
    /// The agent that runs it, when one was named.
    pub agent_id: Option<&'a str>,
    /// The start request handed to engine-svc (`shared_schemas::runs::StartRun`).
    pub request: &'a serde_json::Value,
}

/// Records a requested run: a `task_runs` row in status `requested` with its start request,
/// and the task linked to it and moved to its running status.
pub async fn record_request(
    tx: &mut TenantTx,
    project_id: &str,
    run: &Requested<'_>,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "insert into project.task_runs
             (tenant_id, project_id, task_id, run_id, pipeline_id, status, started_at, request)
         values ($1, $2, $3, $4, $5, 'requested', $6, $7)",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(run.task_id)
    .bind(run.run_id)
    .bind(run.pipeline_id)
    .bind(now)
    .bind(Json(run.request))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "update project.tasks set run_id = $4, pipeline_id = $5,
             assigned_agent = coalesce($6, assigned_agent)
         where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(run.task_id)
    .bind(run.run_id)
    .bind(run.pipeline_id)
    .bind(run.agent_id)
    .execute(&mut **tx)
    .await?;
    set_status(tx, project_id, run.task_id, run.status, now).await
}

pub fn run_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "task_run_not_found",
        "no such run of this task",
    )
}

/// Whether the run of this task is still open; 404 when the task never had it.
pub async fn run_is_open(tx: &mut TenantTx, task_id: &str, run_id: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().clone();
    let statuses: Vec<String> = sqlx::query_scalar(
        "select status from project.task_runs
         where tenant_id = $1 and task_id = $2 and run_id = $3 for update",
    )
    .bind(tenant)
    .bind(task_id)
    .bind(run_id)
    .fetch_all(&mut **tx)
    .await?;
    if statuses.is_empty() {
        return Err(run_not_found());
    }
    Ok(statuses
        .iter()
        .any(|s| matches!(s.as_str(), "requested" | "pending" | "running")))
}

pub struct Ended<'a> {
    pub task_id: &'a str,
    pub run_id: &'a str,
    /// `completed` or `failed`.
    pub run_status: &'a str,
    pub task_status: &'a str,
    /// The task reached a done status (sets `completed_at`).
    pub finished: bool,
}

/// Closes the run (`completed` or `failed`) and gives the task `task_status`; the task keeps a
/// newer run it was linked to since.
pub async fn record_end(
    tx: &mut TenantTx,
    project_id: &str,
    end: &Ended<'_>,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let (task_id, run_id) = (end.task_id, end.run_id);
    sqlx::query(
        "update project.task_runs set status = $4, completed_at = $5
         where tenant_id = $1 and task_id = $2 and run_id = $3",
    )
    .bind(&tenant)
    .bind(task_id)
    .bind(run_id)
    .bind(end.run_status)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "update project.tasks set
             run_id = case when run_id = $4 then null else run_id end,
             completed_at = case when $5 then $6 else completed_at end
         where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(task_id)
    .bind(run_id)
    .bind(end.finished)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    set_status(tx, project_id, task_id, end.task_status, now).await
}
