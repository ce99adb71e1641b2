//! A project's kanban columns. Positions stay dense (0..n-1): inserting, moving or deleting a
//! column renumbers the others. There is no column event type; board changes announce
//! PROJECT_UPDATED.

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::project::ProjectRef;
use sqlx::types::Json as DbJson;

use crate::api::columns::{CreateColumnRequest, UpdateColumnRequest};
use crate::domain::board::{self, ColumnSpec};
use crate::flows::projects::{event_id, require_editor};
use crate::flows::{commit_with, open_project, project_ref};
use crate::store;
use crate::store::columns::Column;

/// Commits a change of the board with the event that announces it.
async fn commit_board_change(tx: TenantTx, project_id: &str) -> Result<(), ApiError> {
    let event = Event::ProjectUpdated(ProjectRef {
        project_id: event_id(project_id)?,
    });
    commit_with(tx, vec![event]).await
}

fn board_full() -> ApiError {
    ApiError::bad_request(
        "too_many_columns",
        format!("a board has at most {} columns", board::MAX_COLUMNS),
    )
}

/// Adds a column at `position` (default: last), shifting the columns from there on.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: CreateColumnRequest,
) -> Result<Column, ApiError> {
    require_editor(ctx)?;
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    store::projects::lock(&mut tx, &project).await?;
    let ids = store::columns::ids(&mut tx, &project).await?;
    if ids.len() >= board::MAX_COLUMNS {
        return Err(board_full());
    }
    let spec = ColumnSpec {
        name: req.name.trim().to_owned(),
        wip_limit: req.wip_limit,
        task_statuses: req.task_statuses,
    };
    let end = i32::try_from(ids.len()).map_err(ApiError::internal)?;
    let id = store::columns::insert(&mut tx, &project, &spec, end).await?;
    store::columns::renumber(&mut tx, &project, &board::place(&ids, &id, req.position)).await?;
    let column = store::columns::get(&mut tx, &project, &id).await?;
    commit_board_change(tx, project_id).await?;
    Ok(column)
}

/// Renames, re-limits, re-maps or moves a column; returns it and whether anything changed.
pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    column_id: &str,
    req: UpdateColumnRequest,
) -> Result<(Column, bool), ApiError> {
    require_editor(ctx)?;
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    store::projects::lock(&mut tx, &project).await?;
    let before = store::columns::get(&mut tx, &project, column_id).await?;
    let mut column = before.clone();
    column.name = req.name.map_or(column.name, |n| n.trim().to_owned());
    column.wip_limit = req.wip_limit.unwrap_or(column.wip_limit);
    column.task_statuses = req.task_statuses.map_or(column.task_statuses, DbJson);
    let fields_changed = (&column.name, column.wip_limit, &column.task_statuses.0)
        != (&before.name, before.wip_limit, &before.task_statuses.0);
    if fields_changed {
        store::columns::update_fields(&mut tx, &column).await?;
    }
    let ids = store::columns::ids(&mut tx, &project).await?;
    let order = req
        .position
        .map_or_else(|| ids.clone(), |p| board::place(&ids, column_id, Some(p)));
    let moved = order != ids;
    if moved {
        store::columns::renumber(&mut tx, &project, &order).await?;
    }
    let column = store::columns::get(&mut tx, &project, column_id).await?;
    if !(fields_changed || moved) {
        tx.commit().await?;
        return Ok((column, false));
    }
    commit_board_change(tx, project_id).await?;
    Ok((column, true))
}

/// Deletes an empty column, unless it is the last one; the columns after it move up.
pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    column_id: &str,
) -> Result<(), ApiError> {
    require_editor(ctx)?;
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    store::projects::lock(&mut tx, &project).await?;
    store::columns::get(&mut tx, &project, column_id).await?;
    if store::columns::has_tasks(&mut tx, &project, column_id).await? {
        return Err(store::columns::not_empty());
    }
    let mut rest = store::columns::ids(&mut tx, &project).await?;
    rest.retain(|id| id != column_id);
    if rest.is_empty() {
        return Err(ApiError::bad_request(
            "last_column",
            "a project keeps at least one column",
        ));
    }
    store::columns::delete(&mut tx, &project, column_id).await?;
    store::columns::renumber(&mut tx, &project, &rest).await?;
    commit_board_change(tx, project_id).await?;
    Ok(())
}
