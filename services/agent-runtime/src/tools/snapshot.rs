//! What `bash` changed in the workspace: a bounded listing of the tree (path, mtime, size) before
//! and after the command, compared. The write and edit tools report their own changes; a command
//! can create, rewrite or delete anything, so its changes are found by looking.
//!
//! The walk goes through the workspace's directory handle like the file tools (no symlink is
//! followed: a symlink is listed as an entry of its own), skips `.git` and the usual dependency
//! and build trees, and stops at [`MAX_ENTRIES`] entries or [`MAX_DEPTH`] levels. A listing cut
//! short cannot tell a deleted file from one it did not reach, so a command whose before or after
//! listing was cut reports no changes (the step's log says so).

use std::collections::BTreeMap;

use beneath::{Dir, Kind};
use shared_schemas::runtime::FileChangeType;

/// Entries (files, links and directories) one listing visits at most.
pub const MAX_ENTRIES: usize = 20_000;
/// Directory levels below the workspace one listing descends at most.
pub const MAX_DEPTH: usize = 24;
/// Directories never listed: version control and trees of downloaded or built files.
const SKIPPED: &[&str] = &[".git", "node_modules", "target", ".venv", "__pycache__"];

/// Every file and symlink of the workspace: `relative/path` → (mtime ms, size).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Snapshot {
    entries: BTreeMap<String, (i64, u64)>,
    /// The listing stopped at a limit.
    pub cut: bool,
}

impl Snapshot {
    /// A listing that could not be made: compared with anything, it reports nothing.
    pub fn unknown() -> Self {
        Self {
            cut: true,
            ..Self::default()
        }
    }

    /// Lists the tree below `root` (an open handle: the workspace's, cloned).
    pub fn take(root: &Dir) -> Self {
        let mut snapshot = Self::default();
        let mut visited = 0usize;
        let mut stack: Vec<(Dir, String, usize)> = match root.try_clone() {
            Ok(dir) => vec![(dir, String::new(), 0)],
            Err(_) => {
                return Self {
                    cut: true,
                    ..Self::default()
                };
            }
        };
        while let Some((dir, prefix, depth)) = stack.pop() {
            let room = MAX_ENTRIES.saturating_sub(visited);
            let Ok(entries) = dir.entries(room.saturating_add(1)) else {
                // Removed while listing, or unreadable: its files cannot be compared.
                snapshot.cut = true;
                continue;
            };
            if entries.len() > room {
                snapshot.cut = true;
                break;
            }
            visited += entries.len();
            for entry in entries {
                let path = if prefix.is_empty() {
                    entry.name.clone()
                } else {
                    format!("{prefix}/{}", entry.name)
                };
                match entry.kind {
                    Kind::Directory if SKIPPED.contains(&entry.name.as_str()) => {}
                    Kind::Directory if depth + 1 >= MAX_DEPTH => snapshot.cut = true,
                    Kind::Directory => match dir.child(&entry.name) {
                        Ok(child) => stack.push((child, path, depth + 1)),
                        // Gone since the listing, or replaced by a symlink: nothing to descend.
                        Err(_) => snapshot.cut = true,
                    },
                    _ => {
                        snapshot
                            .entries
                            .insert(path, (entry.modified_ms, entry.size));
                    }
                }
            }
        }
        snapshot
    }

    /// The changes from `self` to `after`, by path; empty when either listing was cut.
    pub fn changes(&self, after: &Self) -> Vec<(String, FileChangeType)> {
        if self.cut || after.cut {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (path, seen) in &after.entries {
            match self.entries.get(path) {
                None => out.push((path.clone(), FileChangeType::Create)),
                Some(before) if before != seen => out.push((path.clone(), FileChangeType::Modify)),
                Some(_) => {}
            }
        }
        for path in self.entries.keys() {
            if !after.entries.contains_key(path) {
                out.push((path.clone(), FileChangeType::Delete));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "rt-snap-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(dir.join("src/deep")).expect("mkdir");
        std::fs::create_dir_all(dir.join(".git/objects")).expect("mkdir");
        std::fs::write(dir.join("keep.txt"), "same").expect("write");
        std::fs::write(dir.join("src/edit.rs"), "fn a() {}").expect("write");
        std::fs::write(dir.join("src/deep/gone.txt"), "bye").expect("write");
        dir
    }

    #[test]
    fn creates_modifies_and_deletes_are_found_and_git_is_skipped() {
        let dir = temp();
        let root = Dir::open(&dir).expect("open");
        let before = Snapshot::take(&root);
        assert!(!before.cut);
        std::fs::write(dir.join("src/edit.rs"), "fn a() { b() }").expect("write");
        std::fs::remove_file(dir.join("src/deep/gone.txt")).expect("rm");
        std::fs::write(dir.join("new.md"), "hi").expect("write");
        std::fs::write(dir.join(".git/objects/ab"), "blob").expect("write");
        std::os::unix::fs::symlink("/etc/passwd", dir.join("link")).expect("symlink");
        let mut changes = before.changes(&Snapshot::take(&root));
        changes.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            changes,
            [
                ("link".to_owned(), FileChangeType::Create),
                ("new.md".to_owned(), FileChangeType::Create),
                ("src/deep/gone.txt".to_owned(), FileChangeType::Delete),
                ("src/edit.rs".to_owned(), FileChangeType::Modify),
            ]
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_listing_cut_at_its_limit_reports_nothing() {
        let dir = temp();
        let root = Dir::open(&dir).expect("open");
        let before = Snapshot::take(&root);
        let full = (0..=MAX_ENTRIES).map(|i| dir.join(format!("src/f{i}")));
        for path in full {
            std::fs::write(path, "").expect("write");
        }
        let after = Snapshot::take(&root);
        assert!(after.cut);
        assert!(before.changes(&after).is_empty());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
