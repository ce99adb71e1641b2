//! SQL of a bulk import: every task and edge in one statement each, inside the caller's
//! transaction, so an import lands whole or not at all.

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::ProjectId;

/// Where imported tasks go: the first column (by position) listing `backlog`, else the
/// first column; with the status they get there.
pub struct Landing {
    pub column_id: String,
    pub status: String,
    pub next_position: i32,
}

pub fn no_columns() -> ApiError {
    ApiError::conflict(
        "project_has_no_columns",
        "the project has no board columns to import tasks into",
    )
}

/// Where imported tasks go, with the board locked (as every position-writing change does) so
/// concurrent creations in that column cannot take the same positions.
pub async fn landing(tx: &mut TenantTx, project_id: &ProjectId) -> Result<Landing, ApiError> {
    crate::store::task_board::lock_board(tx, project_id.as_str()).await?;
    let tenant = tx.tenant().clone();
    let column: Option<(String, bool, Option<String>)> = sqlx::query_as(
        "select id, task_statuses ? 'backlog', task_statuses ->> 0 from project.kanban_columns
          where tenant_id = $1 and project_id = $2
          order by (task_statuses ? 'backlog') desc, position, id limit 1",
    )
    .bind(&tenant)
    .bind(project_id)
    .fetch_optional(&mut **tx)
    .await?;
    let (column_id, has_backlog, first_status) = column.ok_or_else(no_columns)?;
    let next_position: i32 = sqlx::query_scalar(
        "select coalesce(max(column_position) + 1, 0) from project.tasks
          where tenant_id = $1 and project_id = $2 and column_id = $3",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(&column_id)
    .fetch_one(&mut **tx)
    .await?;
    // A board without a backlog column: the first column's own status, as moving there would.
    let status = match (has_backlog, first_status) {
        (false, Some(first)) => first,
        _ => "backlog".to_owned(),
    };
    Ok(Landing {
        column_id,
        status,
        next_position,
    })
}

/// One imported task, already validated.
pub struct NewTask {
    pub id: String,
    pub title: String,
    pub description: String,
    pub priority: String,
    pub tags: Vec<String>,
    pub estimated_hours: Option<f64>,
}

pub async fn insert_tasks(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    landing: &Landing,
    tasks: &[NewTask],
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    let titles: Vec<&str> = tasks.iter().map(|t| t.title.as_str()).collect();
    let descriptions: Vec<&str> = tasks.iter().map(|t| t.description.as_str()).collect();
    let priorities: Vec<&str> = tasks.iter().map(|t| t.priority.as_str()).collect();
    let tags: Vec<String> = tasks
        .iter()
        .map(|t| serde_json::to_string(&t.tags))
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    let hours: Vec<Option<f64>> = tasks.iter().map(|t| t.estimated_hours).collect();
    sqlx::query(
        "insert into project.tasks (id, tenant_id, project_id, title, description, status,
             priority, tags, estimated_hours, column_id, column_position, created_at, updated_at)
         select t.id, $1, $2, t.title, t.description, $3, t.priority, t.tags::jsonb, t.hours,
                $4, $5 + (t.ord - 1)::int, $6, $6
           from unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                       $12::float8[]) with ordinality
                as t(id, title, description, priority, tags, hours, ord)",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(&landing.status)
    .bind(&landing.column_id)
    .bind(landing.next_position)
    .bind(now)
    .bind(ids)
    .bind(titles)
    .bind(descriptions)
    .bind(priorities)
    .bind(tags)
    .bind(hours)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `blocks` edges `(from, to)` between task ids of the project.
pub async fn insert_edges(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    edges: &[(&str, &str)],
    now: i64,
) -> Result<(), ApiError> {
    if edges.is_empty() {
        return Ok(());
    }
    let tenant = tx.tenant().clone();
    let ids: Vec<String> = edges.iter().map(|_| crate::store::new_id("dep_")).collect();
    let from: Vec<&str> = edges.iter().map(|e| e.0).collect();
    let to: Vec<&str> = edges.iter().map(|e| e.1).collect();
    sqlx::query(
        "insert into project.dependency_edges
             (id, tenant_id, project_id, from_task_id, to_task_id, type, created_at)
         select e.id, $1, $2, e.from_id, e.to_id, 'blocks', $3
           from unnest($4::text[], $5::text[], $6::text[]) as e(id, from_id, to_id)",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(now)
    .bind(ids)
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
