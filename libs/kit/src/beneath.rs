//! Files of a tenant read through a directory handle, never through a path that was checked
//! earlier (the fix for a check-then-open race, security review H1).
//!
//! A tenant's runtime writes its sandbox (and vault, workspace…) while a service reads it, so
//! any "check the path, then open the path" scheme loses: between the two, a directory can be
//! swapped for a symlink to `/proc/self` and the open follows it. A [`Beneath`] is an open
//! directory; every request path below it is walked one component at a time with
//! `openat(…, O_NOFOLLOW)`, each step relative to the handle of the step before, so:
//!
//! - no symlink is ever followed, at any component (a symlink answers [`PathError::Symlink`],
//!   even one pointing inside: the runtime can change where it points at any moment);
//! - nothing is re-walked: sizes and types come from `fstat` on the opened handle, listings
//!   from `getdents` on the directory handle and `fstatat(AT_SYMLINK_NOFOLLOW)` per entry;
//! - `..`, absolute paths and NUL are refused before any system call ([`crate::paths`]).
//!
//! One `openat` per component (rather than one `openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)`)
//! gives the same guarantee on every Linux and under container seccomp profiles that refuse
//! `openat2`. The base itself (`DATA_PATH/tenants/{t}/{area}/{owner}`) is opened the same way
//! from `DATA_PATH`; only `DATA_PATH` (operator configuration) is opened by path.
//!
//! ```no_run
//! # use kit::{beneath::Beneath, paths::{Area, DataPaths}};
//! # fn f(paths: &DataPaths) -> Result<(), kit::paths::PathError> {
//! let sandbox = Beneath::base(paths, "ten_x", Area::Sandboxes, "agt_1", true)?;
//! let file = sandbox.read_file("src/main.rs", 1 << 20)?;      // bytes + size + mtime
//! let entries = sandbox.open_dir("src")?.entries(2_000)?;     // names, kinds, no symlink followed
//! # Ok(()) }
//! ```

use std::fs::File;
use std::io::{self, Read};

use beneath::{Dir, OFlags, WalkError};

pub use beneath::{Entry, Kind};

use crate::paths::{Area, DataPaths, PathError, components, segment};

/// An open directory that request paths are resolved beneath (the walking is `libs/beneath`'s,
/// shared with agent-runtime's workspace tools).
#[derive(Debug)]
pub struct Beneath {
    dir: Dir,
}

/// A whole regular file read through its handle.
#[derive(Debug)]
pub struct FileRead {
    pub bytes: Vec<u8>,
    pub modified_ms: i64,
}

/// Why [`Beneath::read_file`] refused.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("is a directory")]
    IsADirectory,
    #[error("not a regular file")]
    NotAFile,
    #[error("the file has {size} bytes; at most {limit} can be read")]
    TooLarge { size: u64, limit: u64 },
}

impl From<WalkError> for PathError {
    fn from(e: WalkError) -> Self {
        match e {
            WalkError::Symlink => PathError::Symlink,
            // A file where a directory was expected: nothing is there to read.
            WalkError::NotFound => {
                PathError::Io(io::Error::new(io::ErrorKind::NotFound, "not found"))
            }
            WalkError::Io(e) => PathError::Io(e),
        }
    }
}

impl From<WalkError> for ReadError {
    fn from(e: WalkError) -> Self {
        Self::Path(e.into())
    }
}

impl Beneath {
    /// Opens `dir` by path (following symlinks: an operator's configuration, not a tenant's).
    pub fn open(dir: &std::path::Path) -> Result<Self, PathError> {
        Ok(Self {
            dir: Dir::open(dir)?,
        })
    }

    /// `DATA_PATH/tenants/{tenant}/{area}/{owner}`, every component below `DATA_PATH` opened
    /// without following symlinks; with `create`, missing directories are made (mode 0777 less
    /// the umask, as `create_dir_all` made them before).
    pub fn base(
        paths: &DataPaths,
        tenant: &str,
        area: Area,
        owner: &str,
        create: bool,
    ) -> Result<Self, PathError> {
        let names = ["tenants", segment(tenant)?, area.dir(), segment(owner)?];
        if create {
            std::fs::create_dir_all(paths.root())?;
        }
        let root = Self::open(paths.root())?;
        Ok(Self {
            dir: root.dir.walk(&names, create.then_some(0o777))?,
        })
    }

    /// The directory `rel` (empty or `.` is this one), walked without following symlinks.
    pub fn open_dir(&self, rel: &str) -> Result<Self, PathError> {
        let parts = components(rel)?;
        Ok(Self {
            dir: self.dir.walk(&parts, None)?,
        })
    }

    /// Opens `rel` (a file or a directory) and returns its handle with what `fstat` says of it.
    pub fn open_file(&self, rel: &str) -> Result<(File, Kind), PathError> {
        let parts = components(rel)?;
        let Some((last, dirs)) = parts.split_last() else {
            // The base itself.
            return Ok((File::from(self.dir.to_owned_fd()?), Kind::Directory));
        };
        let dir = self.dir.walk(dirs, None)?;
        let (fd, stat) = dir
            .open_at(last, OFlags::RDONLY, 0)
            .map_err(WalkError::from)?;
        Ok((File::from(fd), Kind::of(&stat)))
    }

    /// A whole regular file, refused when larger than `limit` (by `fstat` on the handle, and
    /// again while reading: the file may grow meanwhile).
    pub fn read_file(&self, rel: &str, limit: u64) -> Result<FileRead, ReadError> {
        let (file, kind) = self.open_file(rel)?;
        match kind {
            Kind::File => {}
            Kind::Directory => return Err(ReadError::IsADirectory),
            Kind::Symlink | Kind::Other => return Err(ReadError::NotAFile),
        }
        let stat = beneath::stat(&file)?;
        let size = u64::try_from(stat.st_size).unwrap_or(0);
        if size > limit {
            return Err(ReadError::TooLarge { size, limit });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(PathError::from)?;
        if bytes.len() as u64 > limit {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
                limit,
            });
        }
        Ok(FileRead {
            bytes,
            modified_ms: beneath::modified_ms(&stat),
        })
    }

    /// Up to `limit` entries of this directory (no order), each stat'ed without following it.
    /// An entry removed while listing is skipped.
    pub fn entries(&self, limit: usize) -> Result<Vec<Entry>, PathError> {
        Ok(self.dir.entries(limit)?)
    }

    /// Another handle of this directory (walks move a handle along).
    fn duplicate(&self) -> Result<Self, PathError> {
        Ok(Self {
            dir: self.dir.try_clone()?,
        })
    }

    /// The child directory `name` (already one checked component), not following a symlink.
    fn child_dir(&self, name: &str) -> Result<Self, PathError> {
        Ok(Self {
            dir: self.dir.child(name)?,
        })
    }

    /// The child directory `name` of this one (one plain name), not following a symlink.
    pub fn child(&self, name: &str) -> Result<Self, PathError> {
        Ok(Self {
            dir: self.dir.child(segment(name)?)?,
        })
    }
}

/// A refused system call, worded as the walk words it.
fn path_error(e: rustix::io::Errno) -> PathError {
    WalkError::from(e).into()
}

mod write;
pub use write::WriteError;

#[cfg(test)]
mod tests;
