//! The one place a tenant's file path is built (the fourth tenancy wall).
//!
//! Everything a tenant owns on disk lives under `DATA_PATH/tenants/{tenant}/{area}/{owner}`.
//! Paths that come from a request are resolved *inside* such a base and refused when they are
//! absolute, climb with `..`, contain NUL, or reach outside the base through a symlink.

use std::io;
use std::path::{Component, Path, PathBuf};

use axum::http::StatusCode;

use crate::ApiError;

/// The kinds of tenant data kept on disk (spec §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Vaults,
    Sandboxes,
    Workspaces,
    Runs,
    Mcp,
    /// Files uploaded to chat sessions (agent-svc), one directory per session.
    Attachments,
}

impl Area {
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Self::Vaults => "vaults",
            Self::Sandboxes => "sandboxes",
            Self::Workspaces => "workspaces",
            Self::Runs => "runs",
            Self::Mcp => "mcp",
            Self::Attachments => "attachments",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("absolute paths are not allowed")]
    Absolute,
    #[error("`..` is not allowed in a path")]
    ParentDir,
    #[error("the path contains a character that is not allowed")]
    BadCharacter,
    #[error("`{0}` is not a valid name")]
    BadSegment(String),
    #[error("the path leads outside the allowed directory")]
    Escapes,
    /// [`crate::beneath`] follows no symlink, not even one that points inside.
    #[error("the path goes through a symbolic link")]
    Symlink,
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<PathError> for ApiError {
    fn from(e: PathError) -> Self {
        match e {
            PathError::Io(e) if e.kind() == io::ErrorKind::NotFound => {
                ApiError::not_found("no such file or directory")
            }
            PathError::Io(e) => ApiError::internal(e),
            other => ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", other.to_string()),
        }
    }
}

/// `DATA_PATH`, the root of all tenant files.
#[derive(Debug, Clone)]
pub struct DataPaths {
    root: PathBuf,
}

impl DataPaths {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `DATA_PATH/tenants/{tenant}/{area}/{owner}`; both names must be single plain segments.
    pub fn base(&self, tenant: &str, area: Area, owner: &str) -> Result<PathBuf, PathError> {
        let tenant = segment(tenant)?;
        let owner = segment(owner)?;
        Ok(self
            .root
            .join("tenants")
            .join(tenant)
            .join(area.dir())
            .join(owner))
    }
}

/// A plain file or directory name: no separators, not `.`/`..`, no NUL, not empty.
pub(crate) fn segment(name: &str) -> Result<&str, PathError> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && name.len() <= 255;
    if plain {
        Ok(name)
    } else {
        Err(PathError::BadSegment(name.chars().take(64).collect()))
    }
}

/// The lexical part of the check: `rel` split into normal components. Request paths are
/// relative to the base; an absolute one is refused rather than reinterpreted, so a client
/// never believes it read `/etc/passwd` when it read something else.
pub(crate) fn components(rel: &str) -> Result<Vec<&str>, PathError> {
    if rel.contains('\0') {
        return Err(PathError::BadCharacter);
    }
    if rel.starts_with(['/', '\\']) || Path::new(rel).has_root() || rel.contains(":\\") {
        return Err(PathError::Absolute);
    }
    let mut parts = Vec::new();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str().ok_or(PathError::BadCharacter)?),
            Component::CurDir => {}
            Component::ParentDir => return Err(PathError::ParentDir),
            Component::RootDir | Component::Prefix(_) => return Err(PathError::Absolute),
        }
    }
    Ok(parts)
}

/// `rel` as plain components joined with `/` (`./src//a.rs` is `src/a.rs`), refused like
/// [`resolve_within`] refuses it; the root is the empty string.
pub fn normalize(rel: &str) -> Result<String, PathError> {
    Ok(components(rel)?.join("/"))
}

/// Resolves a request path inside `base`.
///
/// Only for *naming* a path (where a new file will go, what to show). Never open what it
/// returns when someone else can write below `base`: the check and the open are two walks, and
/// a symlink swapped in between is followed (security review H1). Open through
/// [`crate::beneath::Beneath`] instead. The result exists or not; either way every existing
/// ancestor, symlinks followed, is inside the (canonical) base. `base` itself must exist.
pub fn resolve_within(base: &Path, rel: &str) -> Result<PathBuf, PathError> {
    let parts = components(rel)?;
    let canonical_base = base.canonicalize()?;
    let mut path = canonical_base.clone();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        match path.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => {
                path = path.canonicalize().map_err(|_| PathError::Escapes)?;
                if !path.starts_with(&canonical_base) {
                    return Err(PathError::Escapes);
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                path.extend(&parts[i + 1..]);
                return Ok(path);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("djb-paths-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("base/sub")).expect("mkdir");
        std::fs::create_dir_all(dir.join("outside")).expect("mkdir");
        std::fs::write(dir.join("outside/secret"), "x").expect("write");
        dir
    }

    #[test]
    fn bases_are_tenant_scoped_and_refuse_odd_names() {
        let paths = DataPaths::new("/data");
        let base = paths.base("ten_a", Area::Sandboxes, "agt_1").expect("base");
        assert_eq!(base, PathBuf::from("/data/tenants/ten_a/sandboxes/agt_1"));
        for bad in ["", ".", "..", "a/b", "a\\b", "a\0"] {
            assert!(paths.base(bad, Area::Vaults, "x").is_err(), "{bad:?}");
            assert!(paths.base("t", Area::Vaults, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lexical_escapes_are_refused() {
        let dir = tmp();
        let base = dir.join("base");
        for bad in ["..", "../outside", "sub/../../outside", "a/../.."] {
            assert!(
                matches!(resolve_within(&base, bad), Err(PathError::ParentDir)),
                "{bad}"
            );
        }
        for bad in ["/etc/passwd", "//etc", "\\x", "C:\\x"] {
            assert!(
                matches!(resolve_within(&base, bad), Err(PathError::Absolute)),
                "{bad}"
            );
        }
        assert!(matches!(
            resolve_within(&base, "a\0b"),
            Err(PathError::BadCharacter)
        ));
        let ok = resolve_within(&base, "sub/new.txt").expect("inside");
        assert!(ok.starts_with(base.canonicalize().expect("canon")));
        for root in ["", "."] {
            assert_eq!(
                resolve_within(&base, root).expect("root"),
                base.canonicalize().expect("canon")
            );
        }
    }

    #[test]
    fn symlinks_leaving_the_base_are_refused() {
        let dir = tmp();
        let base = dir.join("base");
        std::os::unix::fs::symlink(dir.join("outside"), base.join("out")).expect("symlink");
        std::os::unix::fs::symlink(dir.join("outside/secret"), base.join("s")).expect("symlink");
        std::os::unix::fs::symlink(base.join("sub"), base.join("in")).expect("symlink");
        assert!(matches!(
            resolve_within(&base, "out/secret"),
            Err(PathError::Escapes)
        ));
        assert!(matches!(
            resolve_within(&base, "s"),
            Err(PathError::Escapes)
        ));
        assert!(matches!(
            resolve_within(&base, "out/new"),
            Err(PathError::Escapes)
        ));
        let inside = resolve_within(&base, "in/file").expect("inside link");
        assert!(inside.starts_with(base.canonicalize().expect("canon")));
    }
}
