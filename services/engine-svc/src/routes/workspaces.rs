//! `/v1/workspaces/{run_id}` (CONTRACTS §1.5 W): a run workspace's files, and (in
//! [`super::workspaces_git`]) its git history.
//!
//! A file path may hold slashes, so three routes end in an axum catch-all (`{*path}`) while the
//! OpenAPI document names the parameter plainly (`{path}`): [`wildcard`] registers each both
//! ways (`kit::openapi::wildcard`).

use axum::Json;
use axum::extract::{Path, State};
use kit::openapi::wildcard;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::workspaces::{FileContent, FileList};
use crate::flows::workspaces as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::new().routes(routes!(list));
    wildcard(router, routes!(read_file))
}

/// Every file and directory of the run's workspace (not `.git`; at most 5000 entries and 20
/// levels, `truncated` says when more exists); a workspace not made yet lists nothing.
#[utoipa::path(get, path = "/v1/workspaces/{run_id}", tag = "workspaces",
    params(("run_id" = String, Path)),
    responses((status = 200, body = FileList), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<FileList>, ApiError> {
    Ok(Json(flow::list(&app, &ctx.tenant_id, &run_id).await?))
}

/// A text file of the run's workspace: 404 missing (or a symlink, which is never followed),
/// 413 over 1 MiB, 415 not UTF-8.
#[utoipa::path(get, path = "/v1/workspaces/{run_id}/{path}", tag = "workspaces",
    params(("run_id" = String, Path), ("path" = String, Path, description = "may contain `/`")),
    responses((status = 200, body = FileContent), (status = 400), (status = 404),
        (status = 413), (status = 415)))]
async fn read_file(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, path)): Path<(String, String)>,
) -> Result<Json<FileContent>, ApiError> {
    Ok(Json(
        flow::read(&app, &ctx.tenant_id, &run_id, &path).await?,
    ))
}
