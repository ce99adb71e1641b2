use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::RenameFlags;

use super::*;

const FLIPS: usize = 100_000;
const OUTSIDE: &[u8] = b"OUTSIDE: AUTH_SECRET_KEY=...";

/// `base/d/secret` (inside), `base/other -> outside/` and `outside/secret`.
fn layout() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("djb-beneath-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("base/d")).expect("mkdir");
    std::fs::create_dir_all(dir.join("outside")).expect("mkdir");
    std::fs::write(dir.join("base/d/secret"), "inside").expect("write");
    std::fs::write(dir.join("outside/secret"), OUTSIDE).expect("write");
    std::os::unix::fs::symlink(dir.join("outside"), dir.join("base/other")).expect("symlink");
    dir
}

/// Swaps `base/d` (a directory) and `base/other` (a symlink to `outside/`) `FLIPS` times with
/// `renameat2(RENAME_EXCHANGE)`, so `d` is always there, one or the other, while `read` runs in
/// a loop. Returns (reads that succeeded, reads that returned the outside file).
fn race(base: &Path, read: impl Fn() -> Option<Vec<u8>>) -> (usize, usize) {
    let done = Arc::new(AtomicBool::new(false));
    let flipper = {
        let done = done.clone();
        let base = Beneath::open(base).expect("base");
        std::thread::spawn(move || {
            for _ in 0..FLIPS {
                rustix::fs::renameat_with(
                    &base.dir,
                    "d",
                    &base.dir,
                    "other",
                    RenameFlags::EXCHANGE,
                )
                .expect("exchange");
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let (mut succeeded, mut leaked) = (0, 0);
    while !done.load(Ordering::SeqCst) {
        if let Some(bytes) = read() {
            succeeded += 1;
            if bytes == OUTSIDE {
                leaked += 1;
            }
        }
    }
    flipper.join().expect("flipper");
    (succeeded, leaked)
}

#[test]
fn a_directory_swapped_for_a_symlink_is_never_followed() {
    let dir = layout();
    let base = Beneath::open(&dir.join("base")).expect("base");
    let (succeeded, leaked) = race(&dir.join("base"), || {
        base.read_file("d/secret", 1024).ok().map(|r| r.bytes)
    });
    println!(
        "{FLIPS} flips: {succeeded} opens of d/secret succeeded, {leaked} returned the outside file"
    );
    assert_eq!(leaked, 0, "the outside file was returned");
    assert!(
        succeeded > 0,
        "the race never let a read through: the test proves nothing"
    );
}

/// The hole this module closes: check with `resolve_within`, then open the path. Kept to show
/// the race is real on this machine (it leaks within the 100k flips); not run by default
/// because it asserts a race is *won*, which is timing-dependent.
#[test]
#[ignore = "demonstrates the H1 race of check-then-open; timing-dependent"]
fn checking_then_opening_the_path_follows_the_swap() {
    let dir = layout();
    let base = dir.join("base");
    let (succeeded, leaked) = race(&base, || {
        let path = crate::paths::resolve_within(&base, "d/secret").ok()?;
        std::fs::read(path).ok()
    });
    println!("{FLIPS} flips: {succeeded} reads succeeded, {leaked} returned the outside file");
    assert!(leaked > 0);
}

#[test]
fn no_symlink_is_followed_at_any_component_even_inside() {
    let dir = layout();
    let base_path = dir.join("base");
    std::os::unix::fs::symlink(base_path.join("d"), base_path.join("in")).expect("symlink");
    std::os::unix::fs::symlink(base_path.join("d/secret"), base_path.join("s")).expect("symlink");
    let base = Beneath::open(&base_path).expect("base");
    assert_eq!(
        base.read_file("d/secret", 64).expect("read").bytes,
        b"inside"
    );
    for rel in ["other/secret", "in/secret", "s", "other"] {
        assert!(
            matches!(
                base.read_file(rel, 64),
                Err(ReadError::Path(PathError::Symlink))
            ),
            "{rel}"
        );
    }
    for rel in ["other", "in", "in/."] {
        assert!(
            matches!(base.open_dir(rel), Err(PathError::Symlink)),
            "{rel}"
        );
    }
    for rel in ["../outside/secret", "/etc/passwd", "d/../../outside"] {
        assert!(base.read_file(rel, 64).is_err(), "{rel}");
    }
    // A file where a directory is expected, or nothing at all: not found.
    for rel in ["d/secret/x", "nope", "nope/x"] {
        match base.read_file(rel, 64) {
            Err(ReadError::Path(PathError::Io(e))) => {
                assert_eq!(e.kind(), io::ErrorKind::NotFound, "{rel}")
            }
            other => panic!("{rel}: {other:?}"),
        }
    }
}

#[test]
fn listings_stat_entries_without_following_them() {
    let dir = layout();
    let base = Beneath::open(&dir.join("base")).expect("base");
    let mut entries = base.entries(100).expect("entries");
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let kinds: Vec<_> = entries.iter().map(|e| (e.name.as_str(), e.kind)).collect();
    assert_eq!(kinds, [("d", Kind::Directory), ("other", Kind::Symlink)]);
    let inner = base
        .open_dir("d")
        .expect("d")
        .entries(100)
        .expect("entries");
    assert_eq!(inner.len(), 1);
    assert_eq!((inner[0].kind, inner[0].size), (Kind::File, 6));
    assert!(inner[0].modified_ms > 0);
    assert_eq!(base.entries(1).expect("entries").len(), 1, "limit");
}

#[test]
fn sizes_come_from_the_handle_and_special_files_are_not_read() {
    let dir = layout();
    let base_path = dir.join("base");
    std::fs::write(base_path.join("big"), vec![b'x'; 65]).expect("write");
    let fifo = std::process::Command::new("mkfifo")
        .arg(base_path.join("pipe"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let base = Beneath::open(&base_path).expect("base");
    assert!(matches!(
        base.read_file("big", 64),
        Err(ReadError::TooLarge {
            size: 65,
            limit: 64
        })
    ));
    assert!(matches!(
        base.read_file("d", 64),
        Err(ReadError::IsADirectory)
    ));
    if fifo {
        // O_NONBLOCK: the open returns at once and the FIFO is refused, never read.
        assert!(matches!(
            base.read_file("pipe", 64),
            Err(ReadError::NotAFile)
        ));
    }
}

#[test]
fn a_base_is_made_and_opened_without_following_symlinks() {
    let dir = layout();
    let paths = DataPaths::new(dir.join("data"));
    let made = Beneath::base(&paths, "ten_a", Area::Sandboxes, "agt_1", true).expect("made");
    assert!(made.entries(10).expect("entries").is_empty());
    assert!(dir.join("data/tenants/ten_a/sandboxes/agt_1").is_dir());
    // The owner's directory replaced by a symlink to another tenant's: refused.
    Beneath::base(&paths, "ten_b", Area::Sandboxes, "agt_2", true).expect("made");
    std::fs::remove_dir(dir.join("data/tenants/ten_a/sandboxes/agt_1")).expect("rmdir");
    std::os::unix::fs::symlink(
        dir.join("data/tenants/ten_b/sandboxes/agt_2"),
        dir.join("data/tenants/ten_a/sandboxes/agt_1"),
    )
    .expect("symlink");
    for create in [false, true] {
        assert!(matches!(
            Beneath::base(&paths, "ten_a", Area::Sandboxes, "agt_1", create),
            Err(PathError::Symlink)
        ));
    }
    assert!(matches!(
        Beneath::base(&paths, "..", Area::Sandboxes, "agt_1", false),
        Err(PathError::BadSegment(_))
    ));
}
