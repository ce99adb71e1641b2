//! The board side of tasks: a project's columns, the lock that serializes changes to task
//! order, and dense positions (`column_position` 0..n-1 in every column).
//!
//! Every writer of `tasks.column_id` or `tasks.column_position` first calls [`lock_board`],
//! which locks all the project's columns in id order. Locks are therefore always taken
//! columns-then-tasks in one order, so two moves never deadlock, and a column's order is read
//! and rewritten by one transaction at a time.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use sqlx::types::Json;

use crate::domain::tasks::Column;

pub fn column_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "column_not_found",
        "no such column in this project",
    )
}

#[derive(sqlx::FromRow)]
struct ColumnRow {
    id: String,
    wip_limit: Option<i32>,
    task_statuses: Json<serde_json::Value>,
}

impl From<ColumnRow> for Column {
    fn from(r: ColumnRow) -> Self {
        // Statuses are written as a JSON list of strings; anything else carries no status.
        let statuses = r
            .task_statuses
            .0
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Column {
            id: r.id,
            wip_limit: r.wip_limit,
            statuses,
        }
    }
}

/// Locks the project's columns (in id order) and returns them in board order.
pub async fn lock_board(tx: &mut TenantTx, project_id: &str) -> Result<Vec<Column>, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "select id from project.kanban_columns
          where tenant_id = $1 and project_id = $2 order by id for update",
    )
    .bind(&tenant)
    .bind(project_id)
    .execute(&mut **tx)
    .await?;
    columns(tx, project_id).await
}

/// The project's columns by position (ties by id), without locking.
pub async fn columns(tx: &mut TenantTx, project_id: &str) -> Result<Vec<Column>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows: Vec<ColumnRow> = sqlx::query_as(
        "select id, wip_limit, task_statuses from project.kanban_columns
          where tenant_id = $1 and project_id = $2 order by position, id",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(Column::from).collect())
}

/// The column `column_id` of `columns`, or 404 `column_not_found` (another project's columns
/// are never in the list).
pub fn find<'a>(columns: &'a [Column], column_id: &str) -> Result<&'a Column, ApiError> {
    columns
        .iter()
        .find(|c| c.id == column_id)
        .ok_or_else(column_not_found)
}

/// The ids of the tasks in a column in their current order, leaving out `except`. Ties (rows
/// written without positions) are broken by age, then id, so the order is deterministic.
pub async fn order(
    tx: &mut TenantTx,
    column_id: &str,
    except: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select id from project.tasks
          where tenant_id = $1 and column_id = $2 and ($3::text is null or id <> $3)
          order by column_position, created_at, id",
    )
    .bind(tenant)
    .bind(column_id)
    .bind(except)
    .fetch_all(&mut **tx)
    .await?)
}

/// Puts `ids` into `column_id` at positions 0..n-1, touching only rows that change. The ids
/// come from the column itself plus at most the task moving in; the column foreign key keeps
/// that task within its project.
pub async fn write_order(
    tx: &mut TenantTx,
    column_id: &str,
    ids: &[String],
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let positions: Vec<i32> = (0..ids.len())
        .map(|i| i32::try_from(i).unwrap_or(i32::MAX))
        .collect();
    sqlx::query(
        "update project.tasks t set column_id = $2, column_position = o.pos
           from unnest($3::text[], $4::int[]) as o(id, pos)
          where t.tenant_id = $1 and t.id = o.id
            and (t.column_id <> $2 or t.column_position <> o.pos)",
    )
    .bind(tenant)
    .bind(column_id)
    .bind(ids)
    .bind(&positions)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Renumbers a column densely after a task left it.
pub async fn close_gap(tx: &mut TenantTx, column_id: &str) -> Result<(), ApiError> {
    let ids = order(tx, column_id, None).await?;
    write_order(tx, column_id, &ids).await
}

/// Tasks in a column other than `except` (for WIP limits).
pub async fn count_in(
    tx: &mut TenantTx,
    column_id: &str,
    except: Option<&str>,
) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select count(*) from project.tasks
          where tenant_id = $1 and column_id = $2 and ($3::text is null or id <> $3)",
    )
    .bind(tenant)
    .bind(column_id)
    .bind(except)
    .fetch_one(&mut **tx)
    .await?)
}

/// The project's `status_semantics.claimable` list, when it names one.
pub async fn claimable_statuses(
    tx: &mut TenantTx,
    project_id: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    let tenant = tx.tenant().clone();
    let value: Option<Option<Json<serde_json::Value>>> = sqlx::query_scalar(
        "select status_semantics -> 'claimable' from project.projects
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(value.flatten().and_then(|Json(v)| {
        v.as_array().map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
    }))
}
