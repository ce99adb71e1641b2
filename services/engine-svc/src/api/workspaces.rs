//! A run's (or a project's) workspace as the HTTP API shows it: its files and its git history,
//! in the monolith's shapes (CONTRACTS §1.5, `/v1/workspaces/…`).

use kit::error::FieldError;
use kit::extract::Validate;
use kit::validate::err;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One file or directory of a workspace (symlinks and special files are not listed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileEntry {
    /// Relative to the workspace, `/`-separated.
    pub path: String,
    /// Bytes; 0 for a directory.
    pub size: u64,
    /// Epoch milliseconds.
    pub modified: i64,
    pub is_dir: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileList {
    pub run_id: String,
    /// Sorted by path; `.git` is never listed.
    pub files: Vec<FileEntry>,
    /// The listing stopped at its entry or depth bound; more exists than is shown.
    pub truncated: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileContent {
    pub path: String,
    pub content: String,
    pub size: u64,
}

/// One changed path of `git status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    pub path: String,
    /// Git's two-letter `XY` code (`M.`, `.M`, `A.`, `??` for untracked…).
    pub status: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Commit {
    pub hash: String,
    pub short_hash: String,
    pub author: String,
    pub email: String,
    /// Epoch milliseconds of the author date.
    pub date: i64,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GitStatus {
    pub run_id: String,
    pub is_repo: bool,
    pub branch: Option<String>,
    pub tracking_branch: Option<String>,
    pub ahead: i64,
    pub behind: i64,
    pub is_clean: bool,
    pub uncommitted_changes: usize,
    pub changes: Vec<Change>,
    pub last_commit: Option<Commit>,
    /// Why git could not tell (the rest then says "nothing").
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub run_id: String,
    pub commits: Vec<Commit>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileHistory {
    pub run_id: String,
    pub path: String,
    pub commits: Vec<Commit>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShownFile {
    pub run_id: String,
    pub commit: String,
    pub path: String,
    pub content: String,
    pub size: u64,
    /// Guessed from the extension (`rust`, `typescript`…), `text` otherwise.
    pub language: String,
}

/// One file a commit touched.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffFile {
    pub path: String,
    /// `A`, `M`, `D`, `R`… as `git diff --name-status` says.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitDiff {
    pub commit: String,
    /// The unified diff against the first parent, cut at the output bound.
    pub diff: String,
    pub files: Vec<DiffFile>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Validate for HistoryQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self.limit.is_some_and(|l| !(1..=500).contains(&l)) {
            e.push(err("limit", "must be between 1 and 500"));
        }
        if self.offset.is_some_and(|o| !(0..=1_000_000).contains(&o)) {
            e.push(err("offset", "must be between 0 and 1000000"));
        }
        kit::validate::finish(e)
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// `merge` (a merge commit, the default) or `squash` (one commit on the main branch).
    pub strategy: Option<String>,
}

impl Validate for MergeRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self
            .strategy
            .as_deref()
            .is_some_and(|s| s != "merge" && s != "squash")
        {
            e.push(err("strategy", "must be `merge` or `squash`"));
        }
        kit::validate::finish(e)
    }
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct MergeResponse {
    pub success: bool,
    pub commit_hash: Option<String>,
    pub conflicts: Option<Vec<String>>,
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Default: the branch checked out.
    pub branch: Option<String>,
    pub force: Option<bool>,
}

impl Validate for PushRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if let Some(b) = &self.branch
            && !branch_name_ok(b)
        {
            e.push(err("branch", "must be a plain branch name"));
        }
        kit::validate::finish(e)
    }
}

/// A branch name git accepts and that cannot be read as an option or a revision range.
pub fn branch_name_ok(b: &str) -> bool {
    !b.is_empty()
        && b.len() <= 200
        && !b.starts_with(['-', '/', '.'])
        && !b.ends_with(['/', '.'])
        && !b.contains("..")
        && !b.contains("//")
        && !b.ends_with(".lock")
        && b.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'))
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PushResponse {
    pub success: bool,
    pub commits_pushed: Option<i64>,
    pub remote_commit_hash: Option<String>,
    pub branch: Option<String>,
    /// Without any user or token it carried.
    pub remote_url: Option<String>,
    pub error: Option<String>,
    pub auth_error: bool,
}
