//! `/v1/memory/vaults…`: the tenant's vaults and the notes in them. Types in `api::vaults`,
//! use cases in `flows::files`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::vaults::{
    FileContent, FileCreate, FileInfo, FileUpdate, FileWritten, Page, VaultSummary,
};
use crate::flows;
use kit::openapi::wildcard;

pub fn routes() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::new()
        .routes(routes!(vaults))
        .routes(routes!(files))
        .routes(routes!(create));
    let router = wildcard(router, routes!(read));
    wildcard(router, routes!(update))
}

/// The tenant's vaults: one per agent with notes, and `shared`. An agent credential sees its
/// own vault and the shared one.
#[utoipa::path(get, path = "/v1/memory/vaults", tag = "memory",
    responses((status = 200, body = Vec<VaultSummary>)))]
async fn vaults(
    State(app): State<AppState>,
    ctx: TenantContext,
) -> Result<Json<Vec<VaultSummary>>, ApiError> {
    Ok(Json(flows::files::vaults(&app, &ctx).await?))
}

/// The notes of a vault (`agent_id`: an agent's id or slug, or `shared`), by path; files
/// written by runtimes since the last look are indexed first.
#[utoipa::path(get, path = "/v1/memory/vaults/{agent_id}", tag = "memory",
    params(("agent_id" = String, Path), Page),
    responses((status = 200, body = Vec<FileInfo>), (status = 404)))]
async fn files(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(page): Query<Page>,
) -> Result<(HeaderMap, Json<Vec<FileInfo>>), ApiError> {
    let (files, total) =
        flows::files::list(&app, &ctx, &agent_id, page.limit(), page.offset()).await?;
    let headers = page.headers(&format!("/v1/memory/vaults/{agent_id}"), total);
    Ok((headers, Json(files)))
}

/// A note's content and parsed frontmatter.
#[utoipa::path(get, path = "/v1/memory/vaults/{agent_id}/{filename}", tag = "memory",
    params(("agent_id" = String, Path), ("filename" = String, Path, description = "may contain `/`")),
    responses((status = 200, body = FileContent), (status = 400), (status = 404), (status = 413)))]
async fn read(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, filename)): Path<(String, String)>,
) -> Result<Json<FileContent>, ApiError> {
    Ok(Json(
        flows::files::read(&app, &ctx, &agent_id, &filename).await?,
    ))
}

/// Replaces an existing note atomically (the new content under a temporary name, then renamed
/// over the old).
#[utoipa::path(put, path = "/v1/memory/vaults/{agent_id}/{filename}", tag = "memory",
    params(("agent_id" = String, Path), ("filename" = String, Path, description = "may contain `/`")),
    request_body = FileUpdate,
    responses((status = 200, body = FileWritten), (status = 400), (status = 403), (status = 404),
        (status = 413)))]
async fn update(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, filename)): Path<(String, String)>,
    ValidJson(req): ValidJson<FileUpdate>,
) -> Result<Json<FileWritten>, ApiError> {
    let (filename, size) =
        flows::files::update(&app, &ctx, &agent_id, &filename, req.content).await?;
    Ok(Json(FileWritten {
        filename,
        size,
        created: None,
        updated: Some(true),
    }))
}

/// Creates a note; 409 `file_exists` when the name is taken (never overwritten).
#[utoipa::path(post, path = "/v1/memory/vaults/{agent_id}/files", tag = "memory",
    params(("agent_id" = String, Path)),
    request_body = FileCreate,
    responses((status = 201, body = FileWritten), (status = 400), (status = 403), (status = 404),
        (status = 409), (status = 413)))]
async fn create(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(req): ValidJson<FileCreate>,
) -> Result<(StatusCode, Json<FileWritten>), ApiError> {
    let (filename, size) =
        flows::files::create(&app, &ctx, &agent_id, req.filename.as_deref(), req.content).await?;
    let written = FileWritten {
        filename,
        size,
        created: Some(true),
        updated: None,
    };
    Ok((StatusCode::CREATED, Json(written)))
}
