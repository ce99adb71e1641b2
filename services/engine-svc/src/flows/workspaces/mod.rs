//! A run's workspace (`DATA_PATH/tenants/{t}/runs/{run}`) as its clients read it: the files the
//! runtime's tools wrote, and the git history an agent made there.
//!
//! The run is looked up in the caller's tenant before anything touches the filesystem (another
//! tenant's run is a 404 like a run that exists nowhere). Every file is then read through a
//! [`Beneath`] handle: the workspace is written by the runtime while we read it, so nothing is
//! checked by path and opened later, and no symlink is followed at any component.

pub mod git;
pub mod git_read;
pub mod git_write;

use axum::http::StatusCode;
use kit::ApiError;
use kit::beneath::{Beneath, Kind, ReadError};
use kit::db::TenantTx;
use kit::paths::{Area, PathError};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::workspaces::{FileContent, FileEntry, FileList};
use crate::flows::runs::control::run_not_found;
use crate::store;

/// At most this many entries are listed…
pub const MAX_ENTRIES: usize = 5_000;
/// …and no deeper than this.
pub const MAX_DEPTH: usize = 20;
/// A file larger than this answers 413.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The workspace a route works on, after the tenant's ownership of it was checked.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub tenant: TenantId,
    pub area: Area,
    pub owner: String,
    pub paths: kit::paths::DataPaths,
}

impl Workspace {
    /// The workspace's directory handle; `None` while it does not exist.
    pub fn open(&self) -> Result<Option<Beneath>, ApiError> {
        match Beneath::base(
            &self.paths,
            self.tenant.as_str(),
            self.area,
            &self.owner,
            false,
        ) {
            Ok(dir) => Ok(Some(dir)),
            Err(PathError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            // A base swapped for a symlink is no workspace of ours.
            Err(PathError::Symlink) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The workspace's path, for git's working directory: only after [`Self::open`] found it
    /// (no symlink on the way) and only for git, which confines itself to the repository.
    pub fn dir(&self) -> Result<std::path::PathBuf, ApiError> {
        Ok(self
            .paths
            .base(self.tenant.as_str(), self.area, &self.owner)?)
    }
}

/// The workspace of `run`, 404 unless the run is the tenant's.
pub async fn of_run(app: &AppState, tenant: &TenantId, run: &str) -> Result<Workspace, ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let found = store::runs::get(&mut tx, run).await?;
    tx.commit().await?;
    let run = found.ok_or_else(run_not_found)?;
    Ok(Workspace {
        tenant: tenant.clone(),
        area: Area::Runs,
        owner: run.id,
        paths: app.config.data_paths(),
    })
}

/// The workspace of a project of the caller's tenant: it lives in the tenant's own tree, so
/// another tenant's project id names a directory that does not exist there (404).
pub fn of_project(app: &AppState, tenant: &TenantId, project: &str) -> Result<Workspace, ApiError> {
    shared_schemas::ids::ProjectId::parse(project.to_owned())
        .map_err(|_| ApiError::not_found("project not found"))?;
    Ok(Workspace {
        tenant: tenant.clone(),
        area: Area::Workspaces,
        owner: project.to_owned(),
        paths: app.config.data_paths(),
    })
}

/// Every file and directory (not `.git`, symlinks or special files), breadth first within the
/// bounds; a workspace not made yet lists nothing.
pub async fn list(app: &AppState, tenant: &TenantId, run: &str) -> Result<FileList, ApiError> {
    let ws = of_run(app, tenant, run).await?;
    let (files, truncated) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        match ws.open()? {
            Some(dir) => walk(&dir),
            None => Ok((Vec::new(), false)),
        }
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(FileList {
        run_id: run.to_owned(),
        files,
        truncated,
    })
}

fn walk(base: &Beneath) -> Result<(Vec<FileEntry>, bool), ApiError> {
    let mut out = Vec::new();
    let mut truncated = false;
    let mut queue = std::collections::VecDeque::from([(String::new(), 0usize)]);
    while let Some((rel, depth)) = queue.pop_front() {
        let dir = match base.open_dir(&rel) {
            Ok(dir) => dir,
            // Removed or swapped for a symlink since it was listed: skipped.
            Err(PathError::Io(_) | PathError::Symlink) => continue,
            Err(e) => return Err(e.into()),
        };
        let room = MAX_ENTRIES.saturating_sub(out.len());
        let mut entries = dir.entries(room + 1)?;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        for entry in entries {
            if entry.name == ".git" || !matches!(entry.kind, Kind::File | Kind::Directory) {
                continue;
            }
            if out.len() >= MAX_ENTRIES {
                truncated = true;
                break;
            }
            let path = if rel.is_empty() {
                entry.name.clone()
            } else {
                format!("{rel}/{}", entry.name)
            };
            let is_dir = entry.kind == Kind::Directory;
            if is_dir {
                if depth + 1 < MAX_DEPTH {
                    queue.push_back((path.clone(), depth + 1));
                } else {
                    truncated = true;
                }
            }
            out.push(FileEntry {
                path,
                size: entry.size,
                modified: entry.modified_ms,
                is_dir,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((out, truncated))
}

fn missing() -> ApiError {
    ApiError::not_found("file not found")
}

/// A UTF-8 file of at most [`MAX_FILE_BYTES`]: 404 when missing (or a symlink, a directory,
/// anything inside `.git`), 413 when larger, 415 when not text.
pub async fn read(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    rel: &str,
) -> Result<FileContent, ApiError> {
    let ws = of_run(app, tenant, run).await?;
    let path = kit::paths::normalize(rel)?;
    if path.is_empty() || path.split('/').any(|p| p == ".git") {
        return Err(missing());
    }
    let for_read = path.clone();
    let read = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let dir = ws.open()?.ok_or_else(missing)?;
        dir.read_file(&for_read, MAX_FILE_BYTES).map_err(read_error)
    })
    .await
    .map_err(ApiError::internal)??;
    let size = read.bytes.len() as u64;
    let content = String::from_utf8(read.bytes).map_err(|_| not_text())?;
    Ok(FileContent {
        path,
        content,
        size,
    })
}

pub fn not_text() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "binary_file",
        "the file is not UTF-8 text",
    )
}

pub fn too_large(size: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!("the file has {size} bytes; at most {MAX_FILE_BYTES} are served"),
    )
}

fn read_error(e: ReadError) -> ApiError {
    match e {
        ReadError::TooLarge { size, .. } => too_large(size),
        // A symlink is never followed, and saying where one is tells nothing worth knowing.
        ReadError::IsADirectory | ReadError::NotAFile | ReadError::Path(PathError::Symlink) => {
            missing()
        }
        ReadError::Path(e) => e.into(),
    }
}
