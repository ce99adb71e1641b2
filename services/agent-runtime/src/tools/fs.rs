//! The workspace as the file tools see it: every path is walked one component at a time from an
//! open handle of `WORKSPACE_PATH` without following any symlink (not even one pointing inside:
//! bash can re-point it at any moment), `..` and NUL are refused before any system call, and an
//! absolute path is taken only when it lies in the workspace.
//!
//! The walking is `libs/beneath`'s, which kit's tenant-file reads share; kit itself is not a
//! dependency here (it brings sqlx, axum and OpenTelemetry into a binary started per run step).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use beneath::{Dir, Errno, Kind, OFlags, WalkError};
use shared_schemas::runtime::FileChangeType;

/// The largest file `read` and `edit` load.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("`{0}` is outside the workspace")]
    Outside(String),
    #[error("`..` is not allowed in a path")]
    ParentDir,
    #[error("the path contains a NUL character")]
    Nul,
    #[error("the path is empty")]
    Empty,
    #[error("the path goes through a symbolic link, which the file tools never follow")]
    Symlink,
    #[error("no such file or directory")]
    NotFound,
    #[error("not a regular file")]
    NotAFile,
    #[error("the file has more than {MAX_FILE_BYTES} bytes")]
    TooLarge,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<WalkError> for FsError {
    fn from(e: WalkError) -> Self {
        match e {
            WalkError::Symlink => Self::Symlink,
            WalkError::NotFound => Self::NotFound,
            WalkError::Io(e) => Self::Io(e),
        }
    }
}

fn fs_error(errno: Errno) -> FsError {
    WalkError::from(errno).into()
}

/// The open workspace directory.
#[derive(Debug)]
pub struct Workspace {
    root: PathBuf,
    dir: Dir,
}

impl Workspace {
    /// Opens `root` (operator configuration, so symlinks in it are followed, once).
    pub fn open(root: &Path) -> Result<Self, FsError> {
        let root = root.canonicalize()?;
        let dir = Dir::open(&root)?;
        Ok(Self { root, dir })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The open workspace directory, for walks of the whole tree.
    pub fn dir(&self) -> &Dir {
        &self.dir
    }

    /// The components of `path` below the workspace, refusing anything that leaves it.
    pub fn components<'a>(&self, path: &'a str) -> Result<Vec<&'a str>, FsError> {
        if path.contains('\0') {
            return Err(FsError::Nul);
        }
        let rel = if path.starts_with('/') {
            let root = self.root.to_str().unwrap_or_default();
            match path.strip_prefix(root) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
                _ => return Err(FsError::Outside(path.to_owned())),
            }
        } else {
            path
        };
        let mut parts = Vec::new();
        for part in rel.split('/') {
            match part {
                "" | "." => {}
                ".." => return Err(FsError::ParentDir),
                name => parts.push(name),
            }
        }
        Ok(parts)
    }

    /// `path` as the workspace-relative form events report.
    pub fn relative(&self, path: &str) -> Result<String, FsError> {
        Ok(self.components(path)?.join("/"))
    }

    /// The directory holding `path`'s last component (made when `create`), and that name.
    fn parent<'a>(&self, path: &'a str, create: bool) -> Result<(Dir, &'a str), FsError> {
        let mut parts = self.components(path)?;
        let last = parts.pop().ok_or(FsError::Empty)?;
        Ok((self.dir.walk(&parts, create.then_some(0o755))?, last))
    }

    /// A whole regular file.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let (dir, name) = self.parent(path, false)?;
        let (fd, stat) = dir.open_at(name, OFlags::RDONLY, 0).map_err(fs_error)?;
        if Kind::of(&stat) != Kind::File {
            return Err(FsError::NotAFile);
        }
        let mut bytes = Vec::new();
        File::from(fd)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(FsError::TooLarge);
        }
        Ok(bytes)
    }

    /// Writes `bytes` to `path`, creating missing directories; says whether it created the file.
    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<FileChangeType, FsError> {
        let (dir, name) = self.parent(path, true)?;
        let create = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL;
        let ((fd, stat), change) = match dir.open_at(name, create, 0o644) {
            Ok(opened) => (opened, FileChangeType::Create),
            Err(Errno::EXIST) => {
                let opened = dir.open_at(name, OFlags::WRONLY, 0).map_err(fs_error)?;
                (opened, FileChangeType::Modify)
            }
            Err(e) => return Err(fs_error(e)),
        };
        if Kind::of(&stat) != Kind::File {
            return Err(FsError::NotAFile);
        }
        rustix::fs::ftruncate(&fd, 0).map_err(fs_error)?;
        File::from(fd).write_all(bytes)?;
        Ok(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_workspace() -> (PathBuf, Workspace) {
        let dir = std::env::temp_dir().join(format!(
            "rt-fs-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let ws = Workspace::open(&dir).expect("open");
        (dir, ws)
    }

    #[test]
    fn writes_and_reads_below_the_workspace_only() {
        let (dir, ws) = temp_workspace();
        assert_eq!(
            ws.write("a/b/c.txt", b"hi").expect("write"),
            FileChangeType::Create
        );
        assert_eq!(
            ws.write("./a/b/c.txt", b"yo").expect("write"),
            FileChangeType::Modify
        );
        assert_eq!(ws.read("a/b/c.txt").expect("read"), b"yo");
        let abs = format!("{}/a/b/c.txt", ws.root().display());
        assert_eq!(ws.read(&abs).expect("absolute inside"), b"yo");
        assert!(matches!(ws.read("../x"), Err(FsError::ParentDir)));
        assert!(matches!(ws.read("a/../../x"), Err(FsError::ParentDir)));
        assert!(matches!(ws.read("/etc/passwd"), Err(FsError::Outside(_))));
        assert!(matches!(ws.write("a\0b", b""), Err(FsError::Nul)));
        let sibling = format!("{}-evil/x", ws.root().display());
        assert!(matches!(ws.read(&sibling), Err(FsError::Outside(_))));

        std::os::unix::fs::symlink("/etc", dir.join("etc")).expect("symlink");
        std::os::unix::fs::symlink("/etc/hostname", dir.join("host")).expect("symlink");
        assert!(matches!(ws.read("etc/passwd"), Err(FsError::Symlink)));
        assert!(matches!(ws.read("host"), Err(FsError::Symlink)));
        assert!(matches!(ws.write("host", b"x"), Err(FsError::Symlink)));
        assert!(matches!(ws.write("etc/new", b"x"), Err(FsError::Symlink)));
        assert!(matches!(ws.read("a"), Err(FsError::NotAFile)));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
