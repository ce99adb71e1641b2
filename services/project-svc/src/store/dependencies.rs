//! SQL of `project.dependency_edges`, and the reads the graph endpoints share: a project's
//! tasks (in board order) and edges.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use shared_schemas::ids::ProjectId;
use sqlx::FromRow;
use sqlx::types::Json;

#[derive(Debug, Clone, FromRow, serde::Serialize, utoipa::ToSchema)]
#[schema(as = DependencyEdge)]
pub struct Edge {
    pub id: String,
    pub project_id: String,
    pub from_task_id: String,
    pub to_task_id: String,
    /// `blocks` or `informs`.
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
}

/// A task as the graph endpoints see it (no description: it may be 64 KiB per task).
#[derive(Debug, Clone, FromRow)]
pub struct GraphTask {
    pub id: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub assigned_agent: Option<String>,
    pub estimated_hours: Option<f64>,
    pub tags: Json<Vec<String>>,
    pub work_type: Option<String>,
    pub parent_task_id: Option<String>,
    pub completed_stages: Option<Json<serde_json::Value>>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

pub fn task_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "task_not_found", "task not found")
}

pub fn dependency_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "dependency_not_found",
        "dependency not found",
    )
}

fn exists() -> ApiError {
    ApiError::conflict("dependency_exists", "this dependency already exists")
}

/// Serializes graph changes of one project: whoever holds this until commit is the only one
/// checking and adding edges there, so two inserts cannot each miss the other's half of a
/// cycle. `no key update` leaves foreign-key checks (tasks being inserted) unblocked.
pub async fn lock_project(tx: &mut TenantTx, project_id: &ProjectId) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "select id from project.projects where tenant_id = $1 and id = $2 for no key update",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|_| ())
    .ok_or_else(crate::store::projects::not_found)
}

/// How many dependency edges the project holds (read under [`lock_project`]).
pub async fn count(tx: &mut TenantTx, project_id: &ProjectId) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select count(*) from project.dependency_edges where tenant_id = $1 and project_id = $2",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// 404 `task_not_found` unless the task is one of this project's.
pub async fn require_task(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    task_id: &str,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let found: Option<i32> = sqlx::query_scalar(
        "select 1 from project.tasks where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(task_id)
    .fetch_optional(&mut **tx)
    .await?;
    found.map(|_| ()).ok_or_else(task_not_found)
}

/// The project's tasks in board order: priority, then position, then age.
pub async fn tasks(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Vec<GraphTask>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(
        "select id, title, status, priority, assigned_agent, estimated_hours, tags, work_type,
                parent_task_id, completed_stages, created_at, completed_at
           from project.tasks where tenant_id = $1 and project_id = $2
          order by priority, column_position, created_at, id",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?)
}

pub async fn edges(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Vec<Edge>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(
        "select id, project_id, from_task_id, to_task_id, type from project.dependency_edges
          where tenant_id = $1 and project_id = $2 order by created_at, id",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// `(id, description)` of some of the project's tasks.
pub async fn descriptions(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    ids: &[String],
) -> Result<Vec<(String, String)>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(
        "select id, description from project.tasks
          where tenant_id = $1 and project_id = $2 and id = any($3)",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?)
}

/// `(id, title)` of some of the project's tasks, to name them in messages.
pub async fn titles(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    ids: &[String],
) -> Result<Vec<(String, String)>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(
        "select id, title from project.tasks
          where tenant_id = $1 and project_id = $2 and id = any($3)",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?)
}

/// 409 `dependency_exists` when `from → to` is already there.
pub async fn refuse_duplicate(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    from: &str,
    to: &str,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let found: Option<i32> = sqlx::query_scalar(
        "select 1 from project.dependency_edges
          where tenant_id = $1 and project_id = $2 and from_task_id = $3 and to_task_id = $4",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(from)
    .bind(to)
    .fetch_optional(&mut **tx)
    .await?;
    match found {
        Some(_) => Err(exists()),
        None => Ok(()),
    }
}

pub async fn insert(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    from: &str,
    to: &str,
    kind: &str,
    now: i64,
) -> Result<Edge, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(
        "insert into project.dependency_edges
             (id, tenant_id, project_id, from_task_id, to_task_id, type, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         returning id, project_id, from_task_id, to_task_id, type",
    )
    .bind(crate::store::new_id("dep_"))
    .bind(tenant)
    .bind(project_id)
    .bind(from)
    .bind(to)
    .bind(kind)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("uq_dependency_edge", exists)
}

/// Deletes the edge `dep_id` of the project if it touches `task_id` (either end); returns it.
pub async fn delete(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    task_id: &str,
    dep_id: &str,
) -> Result<Edge, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(
        "delete from project.dependency_edges
          where tenant_id = $1 and project_id = $2 and id = $3
            and (to_task_id = $4 or from_task_id = $4)
         returning id, project_id, from_task_id, to_task_id, type",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(dep_id)
    .bind(task_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(dependency_not_found)
}

/// The project's creation time: where the timeline starts.
pub async fn project_created_at(
    tx: &mut TenantTx,
    project_id: &ProjectId,
) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_scalar("select created_at from project.projects where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(project_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(crate::store::projects::not_found)
}
