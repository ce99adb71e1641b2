//! `/v1/projects/{project_id}/columns`: a project's kanban columns (contract §1.2
//! projects/tasks). Positions stay dense (0..n-1): inserting, moving or deleting a column
//! renumbers the others. There is no column event type; board changes announce
//! `PROJECT_UPDATED`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::db::TenantTx;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Deserializer, Serialize};
use shared_schemas::events::Event;
use shared_schemas::events::project::ProjectRef;
use sqlx::types::Json as DbJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::board::{self, ColumnSpec};
use crate::domain::validate::{err, finish};
use crate::flows::projects::{event_id, require_editor};
use crate::flows::{commit_with, open_project};
use crate::store;
use crate::store::columns::Column;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(update, delete))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateColumnRequest {
    pub name: String,
    /// Where the column goes (0 = first); past the end or absent = last.
    pub position: Option<i32>,
    pub wip_limit: Option<i32>,
    #[serde(default)]
    pub task_statuses: Vec<String>,
}

impl Validate for CreateColumnRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        board::column_name("name", &self.name, &mut errors);
        position("position", self.position, &mut errors);
        board::wip_limit("wipLimit", self.wip_limit, &mut errors);
        board::statuses("taskStatuses", &self.task_statuses, &mut errors);
        finish(errors)
    }
}

fn position(path: &str, position: Option<i32>, errors: &mut Vec<FieldError>) {
    if position.is_some_and(|p| p < 0) {
        errors.push(err(path, "must not be negative"));
    }
}

/// `null` is a value here (it removes the limit), unlike an absent field.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i32>>, D::Error> {
    Option::<i32>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateColumnRequest {
    pub name: Option<String>,
    /// The column's new place; the others shift to keep positions 0..n-1.
    pub position: Option<i32>,
    /// A number sets the limit, `null` removes it, absent keeps it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub wip_limit: Option<Option<i32>>,
    pub task_statuses: Option<Vec<String>>,
}

impl Validate for UpdateColumnRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            board::column_name("name", name, &mut errors);
        }
        position("position", self.position, &mut errors);
        board::wip_limit("wipLimit", self.wip_limit.flatten(), &mut errors);
        if let Some(statuses) = &self.task_statuses {
            board::statuses("taskStatuses", statuses, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ColumnChanged {
    /// `updated`, or `no changes` when the request changed nothing.
    pub status: &'static str,
    pub column: Column,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ColumnDeleted {
    pub status: &'static str,
}

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
#[utoipa::path(post, path = "/v1/projects/{project_id}/columns", tag = "columns",
    params(("project_id" = String, Path)), request_body = CreateColumnRequest,
    responses((status = 201, body = Column), (status = 400), (status = 403), (status = 404), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(req): ValidJson<CreateColumnRequest>,
) -> Result<(StatusCode, Json<Column>), ApiError> {
    require_editor(&ctx)?;
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    store::projects::lock(&mut tx, &project_id).await?;
    let ids = store::columns::ids(&mut tx, &project_id).await?;
    if ids.len() >= board::MAX_COLUMNS {
        return Err(board_full());
    }
    let spec = ColumnSpec {
        name: req.name.trim().to_owned(),
        wip_limit: req.wip_limit,
        task_statuses: req.task_statuses,
    };
    let end = i32::try_from(ids.len()).map_err(ApiError::internal)?;
    let id = store::columns::insert(&mut tx, &project_id, &spec, end).await?;
    store::columns::renumber(&mut tx, &project_id, &board::place(&ids, &id, req.position)).await?;
    let column = store::columns::get(&mut tx, &project_id, &id).await?;
    commit_board_change(tx, &project_id).await?;
    Ok((StatusCode::CREATED, Json(column)))
}

/// Renames, re-limits, re-maps or moves a column.
#[utoipa::path(put, path = "/v1/projects/{project_id}/columns/{column_id}", tag = "columns",
    params(("project_id" = String, Path), ("column_id" = String, Path)),
    request_body = UpdateColumnRequest,
    responses((status = 200, body = ColumnChanged), (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, column_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<UpdateColumnRequest>,
) -> Result<Json<ColumnChanged>, ApiError> {
    require_editor(&ctx)?;
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    store::projects::lock(&mut tx, &project_id).await?;
    let before = store::columns::get(&mut tx, &project_id, &column_id).await?;
    let mut column = before.clone();
    column.name = req.name.map_or(column.name, |n| n.trim().to_owned());
    column.wip_limit = req.wip_limit.unwrap_or(column.wip_limit);
    column.task_statuses = req.task_statuses.map_or(column.task_statuses, DbJson);
    let fields_changed = (&column.name, column.wip_limit, &column.task_statuses.0)
        != (&before.name, before.wip_limit, &before.task_statuses.0);
    if fields_changed {
        store::columns::update_fields(&mut tx, &column).await?;
    }
    let ids = store::columns::ids(&mut tx, &project_id).await?;
    let order = req
        .position
        .map_or_else(|| ids.clone(), |p| board::place(&ids, &column_id, Some(p)));
    let moved = order != ids;
    if moved {
        store::columns::renumber(&mut tx, &project_id, &order).await?;
    }
    let column = store::columns::get(&mut tx, &project_id, &column_id).await?;
    if !(fields_changed || moved) {
        tx.commit().await?;
        return Ok(Json(ColumnChanged {
            status: "no changes",
            column,
        }));
    }
    commit_board_change(tx, &project_id).await?;
    Ok(Json(ColumnChanged {
        status: "updated",
        column,
    }))
}

/// Deletes an empty column (400 `column_not_empty` otherwise; the last column stays, since
/// tasks need one); the columns after it move up.
#[utoipa::path(delete, path = "/v1/projects/{project_id}/columns/{column_id}", tag = "columns",
    params(("project_id" = String, Path), ("column_id" = String, Path)),
    responses((status = 200, body = ColumnDeleted), (status = 400), (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, column_id)): Path<(String, String)>,
) -> Result<Json<ColumnDeleted>, ApiError> {
    require_editor(&ctx)?;
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    store::projects::lock(&mut tx, &project_id).await?;
    store::columns::get(&mut tx, &project_id, &column_id).await?;
    if store::columns::has_tasks(&mut tx, &project_id, &column_id).await? {
        return Err(store::columns::not_empty());
    }
    let mut rest = store::columns::ids(&mut tx, &project_id).await?;
    rest.retain(|id| *id != column_id);
    if rest.is_empty() {
        return Err(ApiError::bad_request(
            "last_column",
            "a project keeps at least one column",
        ));
    }
    store::columns::delete(&mut tx, &project_id, &column_id).await?;
    store::columns::renumber(&mut tx, &project_id, &rest).await?;
    commit_board_change(tx, &project_id).await?;
    Ok(Json(ColumnDeleted { status: "deleted" }))
}
