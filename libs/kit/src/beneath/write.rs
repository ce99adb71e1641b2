//! Writing beneath a directory handle, with the rules of reading (no symlink followed at any
//! component, `..`/absolute/NUL refused before any system call):
//!
//! - [`Beneath::create_file`]: the final name is opened `O_CREAT|O_EXCL|O_NOFOLLOW`, so two
//!   creators never both win and an existing file (or a symlink planted there) is never written;
//! - [`Beneath::replace_file`]: the bytes go to a fresh temporary name in the same directory
//!   (`O_EXCL`), are synced, then `renameat` puts them in place in one step: a reader sees the
//!   old content or the new, never half of it;
//! - [`Beneath::remove_file`]: `unlinkat` of a regular file (a symlink is refused, never
//!   followed; unlinking never follows anyway);
//! - [`Beneath::remove_tree`]: a whole directory emptied through handles, depth bounded.

use std::fs::File;
use std::io::Write;

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use super::{Beneath, Kind, path_error};
use crate::paths::{PathError, components};

/// Why a write beneath a handle refused.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("the file already exists")]
    Exists,
    #[error("no such file")]
    NotFound,
    #[error("not a regular file")]
    NotAFile,
}

const NEW_FILE: OFlags = OFlags::WRONLY
    .union(OFlags::CREATE)
    .union(OFlags::EXCL)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY);

/// How deep [`Beneath::remove_tree`] goes before giving up (a tenant could nest forever).
const MAX_DEPTH: usize = 64;

impl Beneath {
    /// The directory `rel`, made (like `mkdir -p`, mode 0777 less the umask) where missing.
    pub fn create_dirs(&self, rel: &str) -> Result<Self, PathError> {
        let mut dir = self.duplicate()?;
        for part in components(rel)? {
            match rustix::fs::mkdirat(&dir.dir, part, Mode::from_raw_mode(0o777)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(path_error(e)),
            }
            dir = dir.child_dir(part)?;
        }
        Ok(dir)
    }

    /// The parent directory of `rel` (made when `create`) and the last component's name.
    fn parent<'a>(&self, rel: &'a str, create: bool) -> Result<(Self, &'a str), PathError> {
        let parts = components(rel)?;
        let Some((last, dirs)) = parts.split_last() else {
            return Err(PathError::BadSegment(String::new()));
        };
        let mut dir = self.duplicate()?;
        for part in dirs {
            if create {
                match rustix::fs::mkdirat(&dir.dir, *part, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(path_error(e)),
                }
            }
            dir = dir.child_dir(part)?;
        }
        Ok((dir, last))
    }

    /// Creates `rel` holding `bytes` (missing directories made); [`WriteError::Exists`] when
    /// anything, a symlink included, already has that name.
    pub fn create_file(&self, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let (dir, name) = self.parent(rel, true)?;
        let fd = match rustix::fs::openat(&dir.dir, name, NEW_FILE, Mode::from_raw_mode(0o644)) {
            Ok(fd) => fd,
            Err(Errno::EXIST) => return Err(WriteError::Exists),
            Err(e) => return Err(path_error(e).into()),
        };
        let mut file = File::from(fd);
        if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_data()) {
            // Leave no half-written file behind under the name that was just claimed.
            let _ = rustix::fs::unlinkat(&dir.dir, name, AtFlags::empty());
            return Err(PathError::from(e).into());
        }
        Ok(())
    }

    /// Replaces the content of the existing regular file `rel` atomically (temporary file in
    /// the same directory, then `renameat` over it). [`WriteError::NotFound`] when it does not
    /// exist, [`WriteError::NotAFile`] for a directory or a symlink.
    pub fn replace_file(&self, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let (dir, name) = self.parent(rel, false).map_err(not_found)?;
        match rustix::fs::statat(&dir.dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) if Kind::of(&stat) == Kind::File => {}
            Ok(_) => return Err(WriteError::NotAFile),
            Err(Errno::NOENT) => return Err(WriteError::NotFound),
            Err(e) => return Err(path_error(e).into()),
        }
        let temp = format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple());
        let fd = rustix::fs::openat(
            &dir.dir,
            temp.as_str(),
            NEW_FILE,
            Mode::from_raw_mode(0o644),
        )
        .map_err(path_error)?;
        let mut file = File::from(fd);
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_data())
            .map_err(PathError::from)
            .and_then(|()| {
                rustix::fs::renameat(&dir.dir, temp.as_str(), &dir.dir, name).map_err(path_error)
            });
        if let Err(e) = written {
            let _ = rustix::fs::unlinkat(&dir.dir, temp.as_str(), AtFlags::empty());
            return Err(e.into());
        }
        Ok(())
    }

    /// Removes the regular file `rel`.
    pub fn remove_file(&self, rel: &str) -> Result<(), WriteError> {
        let (dir, name) = self.parent(rel, false).map_err(not_found)?;
        match rustix::fs::statat(&dir.dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) if Kind::of(&stat) == Kind::File => {}
            Ok(_) => return Err(WriteError::NotAFile),
            Err(Errno::NOENT) => return Err(WriteError::NotFound),
            Err(e) => return Err(path_error(e).into()),
        }
        match rustix::fs::unlinkat(&dir.dir, name, AtFlags::empty()) {
            Ok(()) => Ok(()),
            Err(Errno::NOENT) => Err(WriteError::NotFound),
            Err(e) => Err(path_error(e).into()),
        }
    }

    /// Removes everything inside this directory (symlinks are removed, never followed); the
    /// number of entries removed.
    pub fn remove_tree(&self) -> Result<u64, PathError> {
        self.empty(0)
    }

    /// Removes the child directory `name` with everything in it (nothing when it is missing);
    /// the number of entries removed, the directory included.
    pub fn remove_child_tree(&self, name: &str) -> Result<u64, PathError> {
        let child = match self.child(name) {
            Ok(child) => child,
            Err(PathError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let removed = child.remove_tree()?;
        match rustix::fs::unlinkat(&self.dir, name, AtFlags::REMOVEDIR) {
            Ok(()) | Err(Errno::NOENT) => Ok(removed + 1),
            Err(e) => Err(path_error(e)),
        }
    }

    fn empty(&self, depth: usize) -> Result<u64, PathError> {
        if depth > MAX_DEPTH {
            return Err(PathError::Io(std::io::Error::other(
                "directories nest too deep",
            )));
        }
        let mut removed = 0;
        loop {
            let batch = self.entries(1_000)?;
            if batch.is_empty() {
                return Ok(removed);
            }
            for entry in batch {
                if entry.kind == Kind::Directory {
                    removed += self.child_dir(&entry.name)?.empty(depth + 1)?;
                    match rustix::fs::unlinkat(&self.dir, entry.name.as_str(), AtFlags::REMOVEDIR) {
                        Ok(()) | Err(Errno::NOENT) => {}
                        Err(e) => return Err(path_error(e)),
                    }
                } else {
                    match rustix::fs::unlinkat(&self.dir, entry.name.as_str(), AtFlags::empty()) {
                        Ok(()) | Err(Errno::NOENT) => {}
                        Err(e) => return Err(path_error(e)),
                    }
                }
                removed += 1;
            }
        }
    }
}

/// A missing parent directory means the file is not there.
fn not_found(e: PathError) -> WriteError {
    match e {
        PathError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => WriteError::NotFound,
        other => WriteError::Path(other),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn layout() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("djb-write-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("base/d")).expect("mkdir");
        std::fs::create_dir_all(dir.join("outside")).expect("mkdir");
        std::fs::write(dir.join("outside/secret"), "outside").expect("write");
        std::os::unix::fs::symlink(dir.join("outside"), dir.join("base/out")).expect("symlink");
        std::os::unix::fs::symlink(dir.join("outside/secret"), dir.join("base/link"))
            .expect("symlink");
        dir
    }

    #[test]
    fn create_is_exclusive_and_never_follows_a_symlink() {
        let dir = layout();
        let base = Beneath::open(&dir.join("base")).expect("base");
        base.create_file("a/b/new.md", b"one").expect("create");
        assert_eq!(
            std::fs::read(dir.join("base/a/b/new.md")).expect("read"),
            b"one"
        );
        assert!(matches!(
            base.create_file("a/b/new.md", b"two"),
            Err(WriteError::Exists)
        ));
        assert!(matches!(
            base.create_file("link", b"x"),
            Err(WriteError::Exists)
        ));
        assert!(matches!(
            base.create_file("out/new", b"x"),
            Err(WriteError::Path(PathError::Symlink))
        ));
        assert!(matches!(
            base.create_file("../outside/x", b"x"),
            Err(WriteError::Path(PathError::ParentDir))
        ));
        assert!(matches!(
            base.create_file("/tmp/x", b"x"),
            Err(WriteError::Path(PathError::Absolute))
        ));
        assert!(!dir.join("outside/new").exists());
        assert_eq!(
            std::fs::read(dir.join("outside/secret")).expect("read"),
            b"outside"
        );
    }

    #[test]
    fn replace_is_atomic_in_place_and_refuses_what_is_not_a_file() {
        let dir = layout();
        let base = Beneath::open(&dir.join("base")).expect("base");
        base.create_file("d/n.md", b"old").expect("create");
        base.replace_file("d/n.md", b"new").expect("replace");
        assert_eq!(
            std::fs::read(dir.join("base/d/n.md")).expect("read"),
            b"new"
        );
        let names: Vec<_> = std::fs::read_dir(dir.join("base/d"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        assert!(matches!(
            base.replace_file("d/none.md", b"x"),
            Err(WriteError::NotFound)
        ));
        assert!(matches!(
            base.replace_file("nodir/x.md", b"x"),
            Err(WriteError::NotFound)
        ));
        assert!(matches!(
            base.replace_file("link", b"x"),
            Err(WriteError::NotAFile)
        ));
        assert!(matches!(
            base.replace_file("d", b"x"),
            Err(WriteError::NotAFile)
        ));
        assert!(matches!(
            base.replace_file("out/secret", b"x"),
            Err(WriteError::Path(PathError::Symlink))
        ));
        assert_eq!(
            std::fs::read(dir.join("outside/secret")).expect("read"),
            b"outside"
        );
    }

    #[test]
    fn remove_takes_files_only_and_tree_removal_stays_inside() {
        let dir = layout();
        let base = Beneath::open(&dir.join("base")).expect("base");
        base.create_file("d/n.md", b"x").expect("create");
        assert!(matches!(
            base.remove_file("link"),
            Err(WriteError::NotAFile)
        ));
        assert!(matches!(base.remove_file("d"), Err(WriteError::NotAFile)));
        base.remove_file("d/n.md").expect("remove");
        assert!(matches!(
            base.remove_file("d/n.md"),
            Err(WriteError::NotFound)
        ));
        base.create_file("d/e/f/g.md", b"x").expect("create");
        let removed = base.remove_tree().expect("tree");
        assert!(removed >= 5, "{removed}");
        assert_eq!(
            std::fs::read_dir(dir.join("base")).expect("list").count(),
            0
        );
        assert_eq!(
            std::fs::read(dir.join("outside/secret")).expect("read"),
            b"outside"
        );
    }
}
