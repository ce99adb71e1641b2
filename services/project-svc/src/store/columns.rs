//! SQL of `project.kanban_columns`. Positions of a project's columns are kept dense (0..n-1):
//! every change renumbers the board in the same transaction, under the project's row lock
//! (`projects::lock`), so two concurrent reorders cannot interleave.

use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use serde::Serialize;
use shared_schemas::ids::ProjectId;
use sqlx::FromRow;
use sqlx::types::Json;

use crate::domain::board::ColumnSpec;
use crate::store::new_id;

/// A column as the board shows it (the reference's `_serialize_column`).
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Column {
    pub id: String,
    pub project_id: ProjectId,
    pub name: String,
    pub position: i32,
    pub wip_limit: Option<i32>,
    #[schema(value_type = Vec<String>)]
    pub task_statuses: Json<Vec<String>>,
}

pub fn not_empty() -> ApiError {
    ApiError::bad_request(
        "column_not_empty",
        "the column still holds tasks; move or delete them first",
    )
}

pub fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "column_not_found",
        "column not found in this project",
    )
}

const COLUMNS: &str = "id, project_id, name, position, wip_limit, task_statuses";

/// The project's columns in board order.
pub async fn list(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Vec<Column>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, Column>(&format!(
        "select {COLUMNS} from project.kanban_columns
         where tenant_id = $1 and project_id = $2 order by position, id"
    ))
    .bind(tenant)
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// The project's column ids in board order.
pub async fn ids(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Vec<String>, ApiError> {
    let tenant = tx.tenant().clone();
    let ids = sqlx::query_scalar(
        "select id from project.kanban_columns
         where tenant_id = $1 and project_id = $2 order by position, id",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(ids)
}

/// One column of the project; 404 `column_not_found` for a column of any other project.
pub async fn get(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    column_id: &str,
) -> Result<Column, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, Column>(&format!(
        "select {COLUMNS} from project.kanban_columns
         where tenant_id = $1 and project_id = $2 and id = $3"
    ))
    .bind(tenant)
    .bind(project_id)
    .bind(column_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// Inserts one column (its position fixed afterwards by `renumber`); returns its id.
pub async fn insert(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    spec: &ColumnSpec,
    position: i32,
) -> Result<String, ApiError> {
    let tenant = tx.tenant().clone();
    let id = new_id("col_");
    sqlx::query(
        "insert into project.kanban_columns
             (id, tenant_id, project_id, name, position, wip_limit, task_statuses)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(tenant)
    .bind(project_id)
    .bind(&spec.name)
    .bind(position)
    .bind(spec.wip_limit)
    .bind(Json(&spec.task_statuses))
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// A new board's columns, in order, at positions 0..n-1.
pub async fn insert_all(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    specs: &[ColumnSpec],
) -> Result<(), ApiError> {
    // One statement for the whole board: a new project is created in few round trips.
    let tenant = tx.tenant().clone();
    let ids: Vec<String> = specs.iter().map(|_| new_id("col_")).collect();
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let positions: Vec<i32> = (0..specs.len())
        .map(i32::try_from)
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    let limits: Vec<Option<i32>> = specs.iter().map(|s| s.wip_limit).collect();
    let statuses: Vec<Json<&Vec<String>>> = specs.iter().map(|s| Json(&s.task_statuses)).collect();
    sqlx::query(
        "insert into project.kanban_columns
             (id, tenant_id, project_id, name, position, wip_limit, task_statuses)
         select c.id, $1, $2, c.name, c.position, c.wip_limit, c.statuses
           from unnest($3::text[], $4::text[], $5::int4[], $6::int4[], $7::jsonb[])
                as c(id, name, position, wip_limit, statuses)",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(&ids)
    .bind(&names)
    .bind(&positions)
    .bind(&limits)
    .bind(&statuses)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores `order` (column ids in board order) as positions 0..n-1, touching only rows whose
/// position changes.
pub async fn renumber(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    order: &[String],
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let positions: Vec<i32> = (0..order.len())
        .map(i32::try_from)
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    sqlx::query(
        "update project.kanban_columns c set position = v.pos
         from unnest($3::text[], $4::int[]) as v(id, pos)
         where c.tenant_id = $1 and c.project_id = $2 and c.id = v.id and c.position <> v.pos",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(order)
    .bind(positions)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The fields of a column that a change may set; the position is handled by `renumber`.
pub async fn update_fields(tx: &mut TenantTx, column: &Column) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update project.kanban_columns set name = $4, wip_limit = $5, task_statuses = $6
         where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(tenant)
    .bind(&column.project_id)
    .bind(&column.id)
    .bind(&column.name)
    .bind(column.wip_limit)
    .bind(&column.task_statuses)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether any task sits in the column.
pub async fn has_tasks(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    column_id: &str,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().clone();
    let n: bool = sqlx::query_scalar(
        "select exists (select 1 from project.tasks
                        where tenant_id = $1 and project_id = $2 and column_id = $3)",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(column_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

/// Deletes an empty column and forgets it in the project's agent routine mappings (which name
/// columns in a JSON list rather than by foreign key).
pub async fn delete(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    column_id: &str,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update project.project_agent_routines set column_ids = column_ids - $3::text
         where tenant_id = $1 and project_id = $2
           and jsonb_typeof(column_ids) = 'array' and column_ids ? $3",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(column_id)
    .execute(&mut **tx)
    .await?;
    // A task created meanwhile (task writes do not take the project lock) trips the foreign
    // key: the same refusal as the count check before.
    sqlx::query(
        "delete from project.kanban_columns where tenant_id = $1 and project_id = $2 and id = $3",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(column_id)
    .execute(&mut **tx)
    .await
    .on_constraint("tasks_column_fk", not_empty)?;
    Ok(())
}
