//! Request and response types of `/v1/agents/{id}/sandbox...`.

use serde::{Deserialize, Serialize};

pub use crate::store::sandbox::{Entry, FileContent};

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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PathQuery {
    /// Relative to the sandbox root (`src/main.rs`); `/` or empty means the root.
    pub path: Option<String>,
}

impl PathQuery {
    /// The one absolute path accepted is `/`, the dashboard's name for the root.
    pub fn relative(&self) -> String {
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

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResetDone {
    pub status: &'static str,
    pub removed: u64,
}
