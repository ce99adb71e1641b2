use std::path::PathBuf;

use super::*;

fn temp() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("beneath-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(dir.join("base/a")).expect("mkdir");
    std::fs::write(dir.join("base/a/f"), "inside").expect("write");
    std::fs::write(dir.join("outside"), "outside").expect("write");
    std::os::unix::fs::symlink(dir.join("base/a"), dir.join("base/link")).expect("symlink");
    std::os::unix::fs::symlink(dir.join("outside"), dir.join("base/a/out")).expect("symlink");
    dir
}

#[test]
fn no_symlink_is_followed_even_one_pointing_inside() {
    let dir = temp();
    let base = Dir::open(&dir.join("base")).expect("open");
    assert!(matches!(
        base.walk(&["link"], None),
        Err(WalkError::Symlink)
    ));
    assert!(matches!(
        base.walk(&["a", "f"], None),
        Err(WalkError::NotFound)
    ));
    assert!(matches!(
        base.walk(&["none"], None),
        Err(WalkError::NotFound)
    ));
    let a = base.walk(&["a"], None).expect("a");
    let refused = a.open_at("out", OFlags::RDONLY, 0).expect_err("a symlink");
    assert!(matches!(WalkError::from(refused), WalkError::Symlink));
    let (_, st) = a.open_at("f", OFlags::RDONLY, 0).expect("file");
    assert_eq!((Kind::of(&st), st.st_size), (Kind::File, 6));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn walks_create_directories_and_exclusive_opens_say_exist() {
    let dir = temp();
    let base = Dir::open(&dir.join("base")).expect("open");
    let deep = base.walk(&["x", "y"], Some(0o755)).expect("made");
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL;
    deep.open_at("n", flags, 0o644).expect("created");
    assert_eq!(deep.open_at("n", flags, 0o644).err(), Some(Errno::EXIST));
    assert!(dir.join("base/x/y/n").is_file());
    // A symlink in the way of a create is refused, not followed.
    assert!(matches!(
        base.walk(&["link", "z"], Some(0o755)),
        Err(WalkError::Symlink)
    ));
    assert!(!dir.join("base/a/z").exists());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn listings_stat_entries_without_following_them() {
    let dir = temp();
    let base = Dir::open(&dir.join("base")).expect("open");
    let mut entries = base
        .walk(&["a"], None)
        .expect("a")
        .entries(10)
        .expect("list");
    entries.sort_by(|x, y| x.name.cmp(&y.name));
    let seen: Vec<(&str, Kind, u64)> = entries
        .iter()
        .map(|e| (e.name.as_str(), e.kind, e.size))
        .collect();
    assert_eq!(seen, [("f", Kind::File, 6), ("out", Kind::Symlink, 0)]);
    assert!(entries[0].modified_ms > 0);
    assert_eq!(base.entries(1).expect("capped").len(), 1);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
