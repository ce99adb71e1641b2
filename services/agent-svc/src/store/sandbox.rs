//! An agent's sandbox on disk: `DATA_PATH/tenants/{tenant}/sandboxes/{agent}`. Reads only, plus
//! reset. Every request path goes through `kit::paths::resolve_within`; walks never follow
//! symlinks and stop after a bounded number of entries.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use base64::Engine as _;
use kit::paths::{PathError, resolve_within};
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
    #[error("the file has {size} bytes; at most {limit} can be read")]
    TooLarge { size: u64, limit: u64 },
}

fn modified_ms(meta: &fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The sandbox root, created if the agent has none yet.
pub fn ensure_root(base: &Path) -> std::io::Result<PathBuf> {
    fs::create_dir_all(base)?;
    base.canonicalize()
}

/// One directory, directories first, then by name.
pub fn list(root: &Path, rel: &str) -> Result<Vec<Entry>, SandboxError> {
    let dir = resolve_within(root, rel)?;
    let meta = fs::metadata(&dir).map_err(PathError::from)?;
    if !meta.is_dir() {
        return Err(SandboxError::NotADirectory);
    }
    let mut out = Vec::new();
    for entry in fs::read_dir(&dir)
        .map_err(PathError::from)?
        .take(LIST_LIMIT)
    {
        let entry = entry.map_err(PathError::from)?;
        let meta = entry.path().symlink_metadata().map_err(PathError::from)?;
        let kind = if meta.file_type().is_symlink() {
            "symlink"
        } else if meta.is_dir() {
            "directory"
        } else {
            "file"
        };
        out.push(Entry {
            name: entry.file_name().to_string_lossy().into_owned(),
            path: relative(root, &entry.path()),
            kind,
            size: if meta.is_file() { meta.len() } else { 0 },
            modified: modified_ms(&meta),
        });
    }
    out.sort_by(|a, b| (a.kind != "directory", &a.name).cmp(&(b.kind != "directory", &b.name)));
    Ok(out)
}

/// Size and counts of everything under `root`, symlinks counted but not followed.
pub fn usage(root: &Path) -> Usage {
    let mut usage = Usage::default();
    let mut stack = vec![root.to_path_buf()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > WALK_LIMIT {
                usage.partial = true;
                return usage;
            }
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            if meta.is_dir() {
                usage.directories += 1;
                stack.push(entry.path());
            } else {
                usage.files += 1;
                usage.bytes += meta.len();
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

/// A whole file, refused when larger than `limit`.
pub fn read(root: &Path, rel: &str, limit: u64) -> Result<FileContent, SandboxError> {
    let path = resolve_within(root, rel)?;
    let meta = fs::metadata(&path).map_err(PathError::from)?;
    if meta.is_dir() {
        return Err(SandboxError::IsADirectory);
    }
    if meta.len() > limit {
        return Err(SandboxError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // Bounded again while reading: the file may grow between the stat and the read.
    fs::File::open(&path)
        .map_err(PathError::from)?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(PathError::from)?;
    if bytes.len() as u64 > limit {
        return Err(SandboxError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    let size = bytes.len() as u64;
    let (content, encoding) = match String::from_utf8(bytes) {
        Ok(text) => (text, "utf-8"),
        Err(e) => (
            base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
            "base64",
        ),
    };
    Ok(FileContent {
        path: relative(root, &path),
        content,
        size,
        modified: modified_ms(&meta),
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

/// Programs the agent installed for itself (`.local/bin`, `bin`), by name.
pub fn installed_tools(root: &Path) -> Vec<String> {
    let mut tools: Vec<String> = [".local/bin", "bin"]
        .iter()
        .filter_map(|d| fs::read_dir(root.join(d)).ok())
        .flat_map(|entries| entries.flatten())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    tools.sort();
    tools.dedup();
    tools
}
