//! An agent's sandbox files: read them (info, tree, one file) or reset them. The tenant and agent
//! checks run in a tenant transaction; the file work runs off the async threads.

use std::path::PathBuf;

use kit::beneath::Beneath;
use kit::paths::Area;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::sandbox::{FileContent, FileTree, SandboxInfo};
use crate::flows::access::open_agent;
use crate::store::sandbox::{self, Entry, SandboxError};

impl From<SandboxError> for ApiError {
    fn from(e: SandboxError) -> Self {
        match e {
            SandboxError::Path(e) => e.into(),
            SandboxError::NotADirectory => ApiError::bad_request("not_a_directory", e.to_string()),
            SandboxError::IsADirectory => ApiError::bad_request("is_a_directory", e.to_string()),
            SandboxError::NotAFile => ApiError::bad_request("not_a_file", e.to_string()),
            SandboxError::TooLarge { .. } => ApiError::bad_request("file_too_large", e.to_string()),
        }
    }
}

/// The agent's id and its sandbox (created on first use) opened as a directory handle, after
/// the tenant and agent checks; every read goes through the handle (`kit::beneath`).
async fn root(
    state: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<(String, Beneath), ApiError> {
    let (tx, agent_id) = open_agent(&state.platform, ctx, agent_ref).await?;
    tx.commit().await?;
    let paths = state.paths.clone();
    let tenant = ctx.tenant_id.clone();
    let agent = agent_id.clone();
    let root = blocking(move || {
        Ok(Beneath::base(
            &paths,
            tenant.as_str(),
            Area::Sandboxes,
            &agent,
            true,
        )?)
    })
    .await?;
    Ok((agent_id, root))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

pub async fn info(
    state: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<SandboxInfo, ApiError> {
    let (agent_id, root) = root(state, ctx, agent_ref).await?;
    blocking(move || {
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
    .await
}

/// The entries of the directory `rel` (relative to the sandbox root; empty is the root).
pub async fn tree(
    state: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
    rel: String,
) -> Result<FileTree, ApiError> {
    let (_, root) = root(state, ctx, agent_ref).await?;
    let files: Vec<Entry> = blocking({
        let rel = rel.clone();
        move || Ok(sandbox::list(&root, &rel)?)
    })
    .await?;
    Ok(FileTree { path: rel, files })
}

/// One file, up to the configured read limit; 400 `path_required` for the root.
pub async fn file(
    state: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
    rel: String,
) -> Result<FileContent, ApiError> {
    let (_, root) = root(state, ctx, agent_ref).await?;
    if rel.is_empty() {
        return Err(ApiError::bad_request(
            "path_required",
            "give the file's `path`",
        ));
    }
    let limit = state.config.sandbox_read_limit_bytes;
    blocking(move || Ok(sandbox::read(&root, &rel, limit)?)).await
}

/// Deletes everything in the agent's sandbox; the number of entries removed.
pub async fn reset(
    state: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<u64, ApiError> {
    let (agent_id, _) = root(state, ctx, agent_ref).await?;
    let base: PathBuf = state
        .paths
        .base(ctx.tenant_id.as_str(), Area::Sandboxes, &agent_id)?;
    blocking(move || sandbox::reset(&base).map_err(ApiError::internal)).await
}
