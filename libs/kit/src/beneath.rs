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
use std::os::fd::OwnedFd;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::paths::{Area, DataPaths, PathError, components, segment};

/// An open directory that request paths are resolved beneath.
#[derive(Debug)]
pub struct Beneath {
    fd: OwnedFd,
}

/// What a directory entry is, read without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Symlink,
    /// A FIFO, socket or device: listed, never opened.
    Other,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Directory => "directory",
            Self::Symlink => "symlink",
            Self::Other => "other",
        }
    }

    fn of(mode: u32) -> Self {
        match FileType::from_raw_mode(mode) {
            FileType::RegularFile => Self::File,
            FileType::Directory => Self::Directory,
            FileType::Symlink => Self::Symlink,
            _ => Self::Other,
        }
    }
}

/// One entry of a directory, as `fstatat(AT_SYMLINK_NOFOLLOW)` saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    /// Bytes for a regular file, 0 otherwise.
    pub size: u64,
    /// Epoch milliseconds.
    pub modified_ms: i64,
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

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
// NONBLOCK: opening a FIFO planted by the tenant must not hang the thread; NOCTTY: nor may a
// terminal device become ours. Either is refused after the fstat anyway.
const FILE_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NONBLOCK)
    .union(OFlags::NOCTTY);

fn path_error(errno: Errno) -> PathError {
    match errno {
        // O_NOFOLLOW on a symlink answers ELOOP.
        Errno::LOOP => PathError::Symlink,
        // A file where a directory was expected: nothing is there to read.
        Errno::NOTDIR | Errno::NOENT => {
            PathError::Io(io::Error::new(io::ErrorKind::NotFound, "not found"))
        }
        other => PathError::Io(other.into()),
    }
}

// The field types of `stat` differ between architectures (and backends), hence the casts.
#[allow(clippy::unnecessary_cast)]
fn modified_ms(stat: &rustix::fs::Stat) -> i64 {
    let (secs, nanos) = (stat.st_mtime as i64, stat.st_mtime_nsec as i64);
    secs.saturating_mul(1000).saturating_add(nanos / 1_000_000)
}

impl Beneath {
    /// Opens `dir` by path (following symlinks: an operator's configuration, not a tenant's).
    pub fn open(dir: &std::path::Path) -> Result<Self, PathError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(dir, flags, Mode::empty()).map_err(path_error)?;
        Ok(Self { fd })
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
        let mut dir = Self::open(paths.root())?;
        for name in names {
            if create {
                match rustix::fs::mkdirat(&dir.fd, name, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(path_error(e)),
                }
            }
            dir = dir.child_dir(name)?;
        }
        Ok(dir)
    }

    fn child_dir(&self, name: &str) -> Result<Self, PathError> {
        match rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Self { fd }),
            // O_DIRECTORY|O_NOFOLLOW on a symlink answers ENOTDIR, like a file does; look again
            // only to name the refusal (the open already failed, nothing is decided on it).
            Err(Errno::NOTDIR) => {
                match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(stat) if Kind::of(stat.st_mode) == Kind::Symlink => Err(PathError::Symlink),
                    _ => Err(path_error(Errno::NOTDIR)),
                }
            }
            Err(e) => Err(path_error(e)),
        }
    }

    /// The directory `rel` (empty or `.` is this one), walked without following symlinks.
    pub fn open_dir(&self, rel: &str) -> Result<Self, PathError> {
        let parts = components(rel)?;
        let mut dir = self.try_clone()?;
        for part in parts {
            dir = dir.child_dir(part)?;
        }
        Ok(dir)
    }

    fn try_clone(&self) -> Result<Self, PathError> {
        Ok(Self {
            fd: self.fd.try_clone()?,
        })
    }

    /// Opens `rel` (a file or a directory) and returns its handle with what `fstat` says of it.
    pub fn open_file(&self, rel: &str) -> Result<(File, Kind), PathError> {
        let parts = components(rel)?;
        let Some((last, dirs)) = parts.split_last() else {
            // The base itself.
            return Ok((File::from(self.fd.try_clone()?), Kind::Directory));
        };
        let mut dir = self.try_clone()?;
        for part in dirs {
            dir = dir.child_dir(part)?;
        }
        let fd =
            rustix::fs::openat(&dir.fd, *last, FILE_FLAGS, Mode::empty()).map_err(path_error)?;
        let stat = rustix::fs::fstat(&fd).map_err(path_error)?;
        Ok((File::from(fd), Kind::of(stat.st_mode)))
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
        let stat = rustix::fs::fstat(&file).map_err(path_error)?;
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
            modified_ms: modified_ms(&stat),
        })
    }

    /// Up to `limit` entries of this directory (no order), each stat'ed without following it.
    /// An entry removed while listing is skipped.
    pub fn entries(&self, limit: usize) -> Result<Vec<Entry>, PathError> {
        let mut out = Vec::new();
        let dir = rustix::fs::Dir::read_from(&self.fd).map_err(path_error)?;
        for entry in dir {
            if out.len() >= limit {
                break;
            }
            let entry = entry.map_err(path_error)?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let stat =
                match rustix::fs::statat(&self.fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(stat) => stat,
                    Err(Errno::NOENT) => continue,
                    Err(e) => return Err(path_error(e)),
                };
            let kind = Kind::of(stat.st_mode);
            out.push(Entry {
                name: String::from_utf8_lossy(name).into_owned(),
                kind,
                size: if kind == Kind::File {
                    u64::try_from(stat.st_size).unwrap_or(0)
                } else {
                    0
                },
                modified_ms: modified_ms(&stat),
            });
        }
        Ok(out)
    }

    /// The child directory `name` of this one (one plain name), not following a symlink.
    pub fn child(&self, name: &str) -> Result<Self, PathError> {
        self.child_dir(segment(name)?)
    }
}

mod write;
pub use write::WriteError;

#[cfg(test)]
mod tests;
