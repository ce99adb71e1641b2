//! `/v1/projects/`: projects per tenant and their full boards (spec Part 4 "Projects Router";
//! contract §1.2 projects/core). Requests are camelCase, rows snake_case, as the reference.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::projects::{
    BoardQuery, CreateProjectRequest, ListQuery, ProjectBoard, ProjectChanged, ProjectDeleted,
    ProjectSummary, UpdateProjectRequest,
};
use crate::flows::projects as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(archive))
}

/// The tenant's projects, newest first, with task counts per status and column counts; a
/// page of at most 500, the total in `X-Total-Count` and the next page in `Link`.
#[utoipa::path(get, path = "/v1/projects/", tag = "projects", params(ListQuery),
    responses((status = 200, body = [ProjectSummary],
        headers(("X-Total-Count" = i64), ("Link" = String, description = "the next page, while more follow"))),
        (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> Result<(HeaderMap, Json<Vec<ProjectSummary>>), ApiError> {
    let page = q.page();
    let (projects, total) = flow::list(&platform, &ctx, q.status, page).await?;
    Ok((
        page.headers("/v1/projects/", &q.filters(), total),
        Json(projects),
    ))
}

/// Creates a project and its board; 404 `template_not_found` for a template the tenant cannot see.
#[utoipa::path(post, path = "/v1/projects/", tag = "projects", request_body = CreateProjectRequest,
    responses((status = 201, body = ProjectBoard), (status = 403), (status = 404), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidJson(req): ValidJson<CreateProjectRequest>,
) -> Result<(StatusCode, Json<ProjectBoard>), ApiError> {
    let board = flow::create(&platform, &ctx, req).await?;
    Ok((StatusCode::CREATED, Json(board)))
}

/// The project with its columns (in order), a page of its tasks (column by column, without
/// `description` and `metadata`), the dependencies touching them, workflows and agents.
#[utoipa::path(get, path = "/v1/projects/{project_id}", tag = "projects",
    params(("project_id" = String, Path), BoardQuery),
    responses((status = 200, body = ProjectBoard), (status = 404), (status = 422)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidQuery(q): ValidQuery<BoardQuery>,
) -> Result<Json<ProjectBoard>, ApiError> {
    Ok(Json(
        flow::board(&platform, &ctx, &project_id, q.page()).await?,
    ))
}

/// Changes the project's own fields; `PROJECT_UPDATED` (and the repository events) when
/// something changed.
#[utoipa::path(put, path = "/v1/projects/{project_id}", tag = "projects",
    params(("project_id" = String, Path)), request_body = UpdateProjectRequest,
    responses((status = 200, body = ProjectChanged), (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(req): ValidJson<UpdateProjectRequest>,
) -> Result<Json<ProjectChanged>, ApiError> {
    let project = flow::update(&platform, &ctx, &project_id, req).await?;
    Ok(Json(ProjectChanged {
        status: "updated",
        project,
    }))
}

/// Deletes the project with everything on its board.
#[utoipa::path(delete, path = "/v1/projects/{project_id}", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = ProjectDeleted), (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<ProjectDeleted>, ApiError> {
    flow::delete(&platform, &ctx, &project_id).await?;
    Ok(Json(ProjectDeleted {
        status: "deleted",
        project_id,
    }))
}

/// Archives the project (the reference's soft delete: it leaves the default list).
#[utoipa::path(post, path = "/v1/projects/{project_id}/archive", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = ProjectChanged), (status = 403), (status = 404)))]
async fn archive(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<ProjectChanged>, ApiError> {
    let project = flow::archive(&platform, &ctx, &project_id).await?;
    Ok(Json(ProjectChanged {
        status: "archived",
        project,
    }))
}
