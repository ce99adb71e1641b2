//! `/v1/projects/{project_id}/columns`: a project's kanban columns (contract §1.2
//! projects/tasks). Positions stay dense (0..n-1): inserting, moving or deleting a column
//! renumbers the others. There is no column event type; board changes announce
//! `PROJECT_UPDATED`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::columns::Column;
use crate::api::columns::{ColumnChanged, ColumnDeleted, CreateColumnRequest, UpdateColumnRequest};
use crate::flows::columns as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(update, delete))
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
    let column = flow::create(&platform, &ctx, &project_id, req).await?;
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
    let (column, changed) = flow::update(&platform, &ctx, &project_id, &column_id, req).await?;
    let status = if changed { "updated" } else { "no changes" };
    Ok(Json(ColumnChanged { status, column }))
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
    flow::delete(&platform, &ctx, &project_id, &column_id).await?;
    Ok(Json(ColumnDeleted { status: "deleted" }))
}
