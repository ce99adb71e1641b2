//! `/v1/agents/{id}/sandbox...`: read an agent's sandbox files, or reset them.

use std::path::PathBuf;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::paths::Area;
use kit::{ApiError, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::flows::access::open_agent;
use crate::store::sandbox::{self, Entry, FileContent, SandboxError};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(info))
        .routes(routes!(tree))
        .routes(routes!(file))
        .routes(routes!(reset))
}

impl From<SandboxError> for ApiError {
    fn from(e: SandboxError) -> Self {
        match e {
            SandboxError::Path(e) => e.into(),
            SandboxError::NotADirectory => ApiError::bad_request("not_a_directory", e.to_string()),
            SandboxError::IsADirectory => ApiError::bad_request("is_a_directory", e.to_string()),
            SandboxError::TooLarge { .. } => ApiError::bad_request("file_too_large", e.to_string()),
        }
    }
}

/// The agent's id and sandbox root (created on first use), after the tenant and agent checks.
async fn root(
    state: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<(String, PathBuf), ApiError> {
    let (tx, agent_id) = open_agent(&state.platform, ctx, agent_ref).await?;
    tx.commit().await?;
    let base = state
        .paths
        .base(ctx.tenant_id.as_str(), Area::Sandboxes, &agent_id)?;
    let root = blocking(move || sandbox::ensure_root(&base).map_err(ApiError::internal)).await?;
    Ok((agent_id, root))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SandboxInfo {
    pub sandbox_id: String,
    pub disk_usage: u64,
    pub file_count: u64,
    pub directory_count: u64,
    /// The counts stopped at the walk limit and are lower bounds.
    pub usage_partial: bool,
    pub installed_tools: Vec<String>,
    pub root_files: Vec<Entry>,
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/sandbox", tag = "sandbox",
    responses((status = 200, body = SandboxInfo), (status = 404)))]
async fn info(
    State(state): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<SandboxInfo>, ApiError> {
    let (agent_id, root) = root(&state, &ctx, &agent_id).await?;
    let info = blocking(move || {
        let usage = sandbox::usage(&root);
        Ok(SandboxInfo {
            sandbox_id: agent_id,
            disk_usage: usage.bytes,
            file_count: usage.files,
            directory_count: usage.directories,
            usage_partial: usage.partial,
            installed_tools: sandbox::installed_tools(&root),
            root_files: sandbox::list(&root, "")?,
        })
    })
    .await?;
    Ok(Json(info))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PathQuery {
    /// Relative to the sandbox root (`src/main.rs`); `/` or empty means the root.
    pub path: Option<String>,
}

impl PathQuery {
    /// The one absolute path accepted is `/`, the dashboard's name for the root.
    fn relative(&self) -> String {
        match self.path.as_deref() {
            None | Some("/") => String::new(),
            Some(p) => p.to_owned(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FileTree {
    pub path: String,
    pub files: Vec<Entry>,
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/sandbox/tree", tag = "sandbox",
    params(PathQuery),
    responses((status = 200, body = FileTree), (status = 400), (status = 404)))]
async fn tree(
    State(state): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<PathQuery>,
) -> Result<Json<FileTree>, ApiError> {
    let (_, root) = root(&state, &ctx, &agent_id).await?;
    let rel = q.relative();
    let files = blocking({
        let rel = rel.clone();
        move || Ok(sandbox::list(&root, &rel)?)
    })
    .await?;
    Ok(Json(FileTree { path: rel, files }))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/sandbox/file", tag = "sandbox",
    params(PathQuery),
    responses((status = 200, body = FileContent), (status = 400), (status = 404)))]
async fn file(
    State(state): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<PathQuery>,
) -> Result<Json<FileContent>, ApiError> {
    let (_, root) = root(&state, &ctx, &agent_id).await?;
    let rel = q.relative();
    if rel.is_empty() {
        return Err(ApiError::bad_request(
            "path_required",
            "give the file's `path`",
        ));
    }
    let limit = state.config.sandbox_read_limit_bytes;
    let content = blocking(move || Ok(sandbox::read(&root, &rel, limit)?)).await?;
    Ok(Json(content))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResetDone {
    pub status: &'static str,
    pub removed: u64,
}

/// Deletes everything in the agent's sandbox.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/sandbox/reset", tag = "sandbox",
    responses((status = 200, body = ResetDone), (status = 404)))]
async fn reset(
    State(state): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path(agent_id): Path<String>,
) -> Result<(StatusCode, Json<ResetDone>), ApiError> {
    let (_, root) = root(&state, &ctx, &agent_id).await?;
    let removed = blocking(move || sandbox::reset(&root).map_err(ApiError::internal)).await?;
    Ok((
        StatusCode::OK,
        Json(ResetDone {
            status: "reset",
            removed,
        }),
    ))
}
