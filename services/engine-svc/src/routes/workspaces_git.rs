//! `/v1/workspaces/{run_id}/git/…` and `/v1/workspaces/projects/{project_id}/git/push`: the git
//! history of a run workspace, merging its branch and pushing (CONTRACTS §1.5 W).

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::workspaces::{
    CommitDiff, FileHistory, GitStatus, History, HistoryQuery, MergeRequest, MergeResponse,
    PushRequest, PushResponse, ShownFile,
};
use crate::flows::workspaces::{self as ws, git_read, git_write};
use kit::openapi::wildcard;

pub fn routes() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(history))
        .routes(routes!(diff))
        .routes(routes!(merge))
        .routes(routes!(push))
        .routes(routes!(push_project));
    let router = wildcard(router, routes!(show));
    wildcard(router, routes!(file_history))
}

/// Branch, upstream and working-tree changes; `is_repo: false` when the workspace has no
/// repository.
#[utoipa::path(get, path = "/v1/workspaces/{run_id}/git/status", tag = "workspaces",
    params(("run_id" = String, Path)),
    responses((status = 200, body = GitStatus), (status = 404)))]
async fn status(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
) -> Result<Json<GitStatus>, ApiError> {
    Ok(Json(git_read::status(&app, &ctx.tenant_id, &run_id).await?))
}

/// Commits reachable from HEAD, newest first (`limit` 1..=500, default 50).
#[utoipa::path(get, path = "/v1/workspaces/{run_id}/git/history", tag = "workspaces",
    params(("run_id" = String, Path), HistoryQuery),
    responses((status = 200, body = History), (status = 404), (status = 422)))]
async fn history(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    ValidQuery(q): ValidQuery<HistoryQuery>,
) -> Result<Json<History>, ApiError> {
    let (limit, offset) = (q.limit.unwrap_or(50), q.offset.unwrap_or(0));
    let found = git_read::history(&app, &ctx.tenant_id, &run_id, limit, offset).await?;
    Ok(Json(found))
}

/// A file as it was at a commit (hex hash, 4 to 64 characters).
#[utoipa::path(get, path = "/v1/workspaces/{run_id}/git/show/{commit_hash}/{file_path}",
    tag = "workspaces",
    params(("run_id" = String, Path), ("commit_hash" = String, Path),
        ("file_path" = String, Path, description = "may contain `/`")),
    responses((status = 200, body = ShownFile), (status = 400), (status = 404), (status = 413),
        (status = 415)))]
async fn show(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, commit, file)): Path<(String, String, String)>,
) -> Result<Json<ShownFile>, ApiError> {
    let shown = git_read::show(&app, &ctx.tenant_id, &run_id, &commit, &file).await?;
    Ok(Json(shown))
}

/// The commits that touched a file, newest first (`limit` default 20); 404 when none did.
#[utoipa::path(get, path = "/v1/workspaces/{run_id}/git/file-history/{file_path}",
    tag = "workspaces",
    params(("run_id" = String, Path),
        ("file_path" = String, Path, description = "may contain `/`"), HistoryQuery),
    responses((status = 200, body = FileHistory), (status = 400), (status = 404), (status = 422)))]
async fn file_history(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, file)): Path<(String, String)>,
    ValidQuery(q): ValidQuery<HistoryQuery>,
) -> Result<Json<FileHistory>, ApiError> {
    let (limit, offset) = (q.limit.unwrap_or(20), q.offset.unwrap_or(0));
    let found = git_read::file_history(&app, &ctx.tenant_id, &run_id, &file, limit, offset).await?;
    Ok(Json(found))
}

/// A commit's changed files and its unified diff against its first parent.
#[utoipa::path(get, path = "/v1/workspaces/{run_id}/git/diff/{commit_hash}", tag = "workspaces",
    params(("run_id" = String, Path), ("commit_hash" = String, Path)),
    responses((status = 200, body = CommitDiff), (status = 400), (status = 404)))]
async fn diff(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((run_id, commit)): Path<(String, String)>,
) -> Result<Json<CommitDiff>, ApiError> {
    Ok(Json(
        git_read::diff(&app, &ctx.tenant_id, &run_id, &commit).await?,
    ))
}

/// Merges the branch checked out in the run's workspace into `main` (or `master`);
/// `{success: false, error, conflicts}` when it cannot.
#[utoipa::path(post, path = "/v1/workspaces/{run_id}/git/merge", tag = "workspaces",
    params(("run_id" = String, Path)), request_body = MergeRequest,
    responses((status = 200, body = MergeResponse), (status = 404), (status = 422)))]
async fn merge(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    body: Option<ValidJson<MergeRequest>>,
) -> Result<Json<MergeResponse>, ApiError> {
    let req = body.map(|b| b.0).unwrap_or_default();
    let workspace = ws::of_run(&app, &ctx.tenant_id, &run_id).await?;
    let strategy = req.strategy.as_deref().unwrap_or("merge");
    Ok(Json(git_write::merge(&workspace, strategy).await?))
}

/// Pushes a branch of the run's workspace to `origin` (https only, no stored credential).
#[utoipa::path(post, path = "/v1/workspaces/{run_id}/git/push", tag = "workspaces",
    params(("run_id" = String, Path)), request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 404), (status = 422)))]
async fn push(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(run_id): Path<String>,
    body: Option<ValidJson<PushRequest>>,
) -> Result<Json<PushResponse>, ApiError> {
    let req = body.map(|b| b.0).unwrap_or_default();
    let workspace = ws::of_run(&app, &ctx.tenant_id, &run_id).await?;
    let force = req.force.unwrap_or(false);
    Ok(Json(
        git_write::push(&workspace, req.branch.as_deref(), force).await?,
    ))
}

/// Pushes a branch of the tenant's project workspace to `origin`; 404 when the tenant has no
/// workspace for that project.
#[utoipa::path(post, path = "/v1/workspaces/projects/{project_id}/git/push", tag = "workspaces",
    params(("project_id" = String, Path)), request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 404), (status = 422)))]
async fn push_project(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    body: Option<ValidJson<PushRequest>>,
) -> Result<Json<PushResponse>, ApiError> {
    let req = body.map(|b| b.0).unwrap_or_default();
    let workspace = ws::of_project(&app, &ctx.tenant_id, &project_id)?;
    let found = workspace.open()?;
    if found.is_none() {
        return Err(ApiError::not_found("project workspace not found"));
    }
    let force = req.force.unwrap_or(false);
    Ok(Json(
        git_write::push(&workspace, req.branch.as_deref(), force).await?,
    ))
}
