//! Files opened through a directory handle, never through a path checked earlier (the fix for a
//! check-then-open race, security review H1).
//!
//! A tenant's runtime writes below a directory while a service (or the runtime's own tools)
//! reads it, so "check the path, then open the path" loses: between the two, a directory can be
//! swapped for a symlink to `/proc/self` and the open follows it. A [`Dir`] is an open
//! directory; every path below it is walked one component at a time with
//! `openat(…, O_NOFOLLOW)`, each step relative to the handle of the step before, so no symlink
//! is ever followed at any component (a symlink answers [`WalkError::Symlink`], even one that
//! points inside: whoever writes the tree can re-point it at any moment), and sizes, types and
//! listings come from the handles (`fstat`, `getdents` + `fstatat(AT_SYMLINK_NOFOLLOW)`).
//!
//! One `openat` per component (rather than one `openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)`)
//! gives the same guarantee on every Linux and under container seccomp profiles that refuse
//! `openat2`.
//!
//! Only the walking lives here. Which paths a caller accepts (kit refuses absolute paths,
//! agent-runtime takes those inside its workspace) and how it words its errors stay with it:
//! `kit::beneath` and agent-runtime's `tools::fs` are both built on this crate, which is small
//! on purpose (rustix, thiserror) so the runtime binary can use it without kit.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use rustix::fs::{AtFlags, FileType};
pub use rustix::fs::{Mode, OFlags, Stat};
pub use rustix::io::Errno;

/// What a directory entry is, read without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Symlink,
    /// A FIFO, socket or device: listed, never opened for its content.
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

    /// The kind of a `stat` mode.
    pub fn of(stat: &Stat) -> Self {
        match FileType::from_raw_mode(stat.st_mode) {
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

/// Why a walk stopped.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("the path goes through a symbolic link")]
    Symlink,
    /// Nothing there, or a file where a directory was expected.
    #[error("no such file or directory")]
    NotFound,
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<Errno> for WalkError {
    fn from(errno: Errno) -> Self {
        match errno {
            // O_NOFOLLOW on a symlink answers ELOOP.
            Errno::LOOP => Self::Symlink,
            Errno::NOENT | Errno::NOTDIR => Self::NotFound,
            other => Self::Io(other.into()),
        }
    }
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
/// Added to every file open. NONBLOCK: opening a FIFO planted below the directory must not hang
/// the thread; NOCTTY: nor may a terminal device become ours. Callers refuse both after `fstat`.
const FILE_FLAGS: OFlags = OFlags::NOFOLLOW
    .union(OFlags::CLOEXEC)
    .union(OFlags::NONBLOCK)
    .union(OFlags::NOCTTY);

/// Epoch milliseconds of a `stat`'s modification time.
// The field types of `stat` differ between architectures (and backends), hence the casts.
#[allow(clippy::unnecessary_cast)]
pub fn modified_ms(stat: &Stat) -> i64 {
    let (secs, nanos) = (stat.st_mtime as i64, stat.st_mtime_nsec as i64);
    secs.saturating_mul(1000).saturating_add(nanos / 1_000_000)
}

/// What `fstat` says of an open handle.
pub fn stat(fd: impl AsFd) -> Result<Stat, WalkError> {
    Ok(rustix::fs::fstat(fd)?)
}

/// An open directory that paths are walked beneath.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
}

impl AsFd for Dir {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Dir {
    /// Opens `dir` by path, following symlinks: an operator's configuration, not a tenant's.
    pub fn open(dir: &Path) -> Result<Self, WalkError> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::open(dir, flags, Mode::empty())?;
        Ok(Self { fd })
    }

    pub fn try_clone(&self) -> Result<Self, WalkError> {
        Ok(Self {
            fd: self.fd.try_clone()?,
        })
    }

    /// A handle of this directory as a file (to `fstat` it, or hand it on).
    pub fn to_owned_fd(&self) -> Result<OwnedFd, WalkError> {
        Ok(self.fd.try_clone()?)
    }

    /// The child directory `name` (one plain name), not following a symlink.
    pub fn child(&self, name: &str) -> Result<Self, WalkError> {
        match rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Self { fd }),
            // O_DIRECTORY|O_NOFOLLOW on a symlink answers ENOTDIR, as a file does; look again
            // only to name the refusal (the open already failed, nothing is decided on it).
            Err(Errno::NOTDIR) => {
                match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(st) if Kind::of(&st) == Kind::Symlink => Err(WalkError::Symlink),
                    _ => Err(WalkError::NotFound),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Makes the child directory `name` unless it exists (whatever it is: [`Dir::child`] then
    /// refuses a symlink or a file).
    pub fn make_child(&self, name: &str, mode: u32) -> Result<(), WalkError> {
        match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(mode)) {
            Ok(()) | Err(Errno::EXIST) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The directory `parts` below this one, one component at a time; with `create`, missing
    /// directories are made with that mode (less the umask) on the way.
    pub fn walk(&self, parts: &[&str], create: Option<u32>) -> Result<Self, WalkError> {
        let mut dir = self.try_clone()?;
        for part in parts {
            if let Some(mode) = create {
                dir.make_child(part, mode)?;
            }
            dir = dir.child(part)?;
        }
        Ok(dir)
    }

    /// Opens the entry `name` of this directory with `flags` (never following a symlink, never
    /// blocking on a FIFO) and returns its handle with what `fstat` says of it. The raw `Errno`
    /// lets a caller act on `EEXIST` (an `O_EXCL` create); `WalkError::from` words the rest.
    pub fn open_at(&self, name: &str, flags: OFlags, mode: u32) -> Result<(OwnedFd, Stat), Errno> {
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            flags | FILE_FLAGS,
            Mode::from_raw_mode(mode),
        )?;
        let stat = rustix::fs::fstat(&fd)?;
        Ok((fd, stat))
    }

    /// Up to `limit` entries of this directory (no order), each stat'ed without following it.
    /// An entry removed while listing is skipped.
    pub fn entries(&self, limit: usize) -> Result<Vec<Entry>, WalkError> {
        let mut out = Vec::new();
        let dir = rustix::fs::Dir::read_from(&self.fd)?;
        for entry in dir {
            if out.len() >= limit {
                break;
            }
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let stat =
                match rustix::fs::statat(&self.fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(stat) => stat,
                    Err(Errno::NOENT) => continue,
                    Err(e) => return Err(e.into()),
                };
            let kind = Kind::of(&stat);
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
}

#[cfg(test)]
mod tests;
