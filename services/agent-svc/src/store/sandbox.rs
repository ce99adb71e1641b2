//! An agent's sandbox on disk: `DATA_PATH/tenants/{tenant}/sandboxes/{agent}`. Reads only, plus
//! reset. The agent's runtime writes the sandbox while we read it, so every read goes through
//! the sandbox's directory handle (`kit::beneath::Beneath`): no symlink is followed at any
//! component and nothing is opened by a path checked earlier (security review H1, L10). Walks
//! stop after a bounded number of entries.

use std::fs;
use std::path::Path;

use base64::Engine as _;
use kit::beneath::{Beneath, Kind, ReadError};
use kit::paths::{PathError, normalize};
use serde::Serialize;

/// Entries a disk-usage walk visits before it stops counting (a sandbox is the agent's to fill).
const WALK_LIMIT: usize = 100_000;
/// Entries one directory listing returns.
const LIST_LIMIT: usize = 2_000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub name: String,
    /// Relative to the sandbox root; pass it back as `path`.
    pub path: String,
    /// `file`, `directory` or `symlink`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub size: u64,
    pub modified: i64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub files: u64,
    pub directories: u64,
    /// The walk stopped at its limit; the numbers are lower bounds.
    pub partial: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("not a directory")]
    NotADirectory,
    #[error("is a directory")]
    IsADirectory,
    #[error("not a regular file")]
    NotAFile,
    #[error("the file has {size} bytes; at most {limit} can be read")]
    TooLarge { size: u64, limit: u64 },
}

impl From<ReadError> for SandboxError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Path(e) => Self::Path(e),
            ReadError::IsADirectory => Self::IsADirectory,
            ReadError::NotAFile => Self::NotAFile,
            ReadError::TooLarge { size, limit } => Self::TooLarge { size, limit },
        }
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Directory => "directory",
        Kind::Symlink => "symlink",
        Kind::File | Kind::Other => "file",
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// One directory, directories first, then by name.
pub fn list(root: &Beneath, rel: &str) -> Result<Vec<Entry>, SandboxError> {
    let rel = normalize(rel)?;
    let dir = match root.open_dir(&rel) {
        Ok(dir) => dir,
        // Something is there, but not a directory: say so rather than "not found".
        Err(PathError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return match root.open_file(&rel) {
                Ok(_) => Err(SandboxError::NotADirectory),
                Err(_) => Err(PathError::Io(e).into()),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let mut out: Vec<Entry> = dir
        .entries(LIST_LIMIT)?
        .into_iter()
        .map(|e| Entry {
            path: join(&rel, &e.name),
            name: e.name,
            kind: kind_name(e.kind),
            size: e.size,
            modified: e.modified_ms,
        })
        .collect();
    out.sort_by(|a, b| (a.kind != "directory", &a.name).cmp(&(b.kind != "directory", &b.name)));
    Ok(out)
}

/// Size and counts of everything under `root`, symlinks counted but not followed. Directories
/// are reopened from the root by relative path (each walk beneath the handle), so the walk
/// holds one descriptor at a time however wide the tree.
pub fn usage(root: &Beneath) -> Usage {
    let mut usage = Usage::default();
    let mut stack = vec![String::new()];
    let mut seen = 0usize;
    while let Some(rel) = stack.pop() {
        let Ok(entries) = root.open_dir(&rel).and_then(|d| d.entries(WALK_LIMIT)) else {
            continue;
        };
        for entry in entries {
            seen += 1;
            if seen > WALK_LIMIT {
                usage.partial = true;
                return usage;
            }
            if entry.kind == Kind::Directory {
                usage.directories += 1;
                stack.push(join(&rel, &entry.name));
            } else {
                usage.files += 1;
                usage.bytes += entry.size;
            }
        }
    }
    usage
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileContent {
    pub path: String,
    pub content: String,
    pub size: u64,
    pub modified: i64,
    /// `utf-8`, or `base64` for binary files.
    pub encoding: &'static str,
    /// Always false: a file over the limit is refused, never cut.
    pub truncated: bool,
}

/// A whole file, refused when larger than `limit` (size from `fstat` on the opened handle).
pub fn read(root: &Beneath, rel: &str, limit: u64) -> Result<FileContent, SandboxError> {
    let rel = normalize(rel)?;
    let file = root.read_file(&rel, limit)?;
    let size = file.bytes.len() as u64;
    let (content, encoding) = match String::from_utf8(file.bytes) {
        Ok(text) => (text, "utf-8"),
        Err(e) => (
            base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
            "base64",
        ),
    };
    Ok(FileContent {
        path: rel,
        content,
        size,
        modified: file.modified_ms,
        encoding,
        truncated: false,
    })
}

/// Empties the sandbox (the directory itself stays). Symlinks are removed, never followed.
pub fn reset(root: &Path) -> std::io::Result<u64> {
    let mut removed = 0;
    for entry in fs::read_dir(root)? {
        let path = entry?.path();
        let meta = path.symlink_metadata()?;
        if meta.is_dir() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
        removed += 1;
    }
    Ok(removed)
}

/// Programs the agent installed for itself (`.local/bin`, `bin`), by name. A `bin` that is a
/// symlink is not listed (it could point at any directory, e.g. every tenant's folder).
pub fn installed_tools(root: &Beneath) -> Vec<String> {
    let mut tools: Vec<String> = [".local/bin", "bin"]
        .iter()
        .filter_map(|d| root.open_dir(d).and_then(|d| d.entries(LIST_LIMIT)).ok())
        .flatten()
        .map(|e| e.name)
        .collect();
    tools.sort();
    tools.dedup();
    tools
}
