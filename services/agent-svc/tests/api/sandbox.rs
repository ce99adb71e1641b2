//! Sandboxes: tenant-scoped paths, traversal and symlink escapes refused, bounded reads, reset.

use std::fs;
use std::path::PathBuf;

use serde_json::json as j;

use crate::helpers::{agent, assert_error, send, spawn_with, tenant};

pub fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("djb-sbx-{}", shared_schemas::ids::random_body()))
}

#[tokio::test]
async fn files_are_listed_read_and_reset_inside_the_tenant_sandbox() {
    let data = scratch();
    let app = spawn_with(j!({"data_path": data, "sandbox_read_limit_bytes": 64})).await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "coder").await;
    let b_id = agent(&app, &b, "coder").await;

    // The sandbox appears on first use, empty, under the tenant's own folder.
    let (status, info) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["fileCount"], 0);
    let root = data
        .join("tenants")
        .join(a.id.as_str())
        .join("sandboxes")
        .join(&id);
    assert!(root.is_dir());

    fs::create_dir_all(root.join("src")).expect("mkdir");
    fs::write(root.join("src/main.rs"), "fn main() {}").expect("write");
    fs::write(root.join("big.txt"), "x".repeat(65)).expect("write");
    fs::write(root.join("blob.bin"), [0xff, 0xfe, 0x00]).expect("write");
    let outside = data
        .join("tenants")
        .join(b.id.as_str())
        .join("sandboxes")
        .join(&b_id);
    fs::create_dir_all(&outside).expect("mkdir");
    fs::write(outside.join("secret.txt"), "tenant B's").expect("write");
    std::os::unix::fs::symlink(&outside, root.join("peek")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("s.txt")).expect("symlink");

    let (status, info) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(info["directoryCount"], 1);
    assert_eq!(info["rootFiles"][0]["name"], "src", "directories first");

    let (status, tree) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox/tree?path=src"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{tree}");
    assert_eq!(tree["files"][0]["path"], "src/main.rs");
    let (status, file) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox/file?path=src/main.rs"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(file["content"], "fn main() {}");
    assert_eq!(file["encoding"], "utf-8");
    let (_, blob) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox/file?path=blob.bin"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(blob["encoding"], "base64");

    for (query, code) in [
        ("path=../../..", "invalid_path"),
        ("path=src/../../x", "invalid_path"),
        ("path=/etc/passwd", "invalid_path"),
        ("path=peek/secret.txt", "invalid_path"),
        ("path=s.txt", "invalid_path"),
        ("path=big.txt", "file_too_large"),
        ("path=src", "is_a_directory"),
    ] {
        let (status, body) = send(
            &app,
            "GET",
            &format!("/v1/agents/{id}/sandbox/file?{query}"),
            &a.token,
            None,
        )
        .await;
        assert_error(status, &body, 400, code);
    }
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox/tree?path=peek"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 400, "invalid_path");
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox/file?path=nope.txt"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "not_found");

    // Tenant B reaches none of it.
    for (method, path) in [
        ("GET", format!("/v1/agents/{id}/sandbox")),
        ("GET", format!("/v1/agents/{id}/sandbox/tree")),
        (
            "GET",
            format!("/v1/agents/{id}/sandbox/file?path=src/main.rs"),
        ),
        ("POST", format!("/v1/agents/{id}/sandbox/reset")),
    ] {
        let (status, body) = send(&app, method, &path, &b.token, None).await;
        assert_error(status, &body, 404, "agent_not_found");
    }
    assert!(
        root.join("src/main.rs").is_file(),
        "B's reset changed nothing"
    );

    let (status, done) = send(
        &app,
        "POST",
        &format!("/v1/agents/{id}/sandbox/reset"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["removed"], 5);
    assert_eq!(fs::read_dir(&root).expect("root").count(), 0);
    assert!(
        outside.join("secret.txt").is_file(),
        "reset never follows symlinks out"
    );
}

/// The sandbox root of `agent` in `tenant` under `data`.
fn root_of(data: &std::path::Path, tenant: &str, agent: &str) -> PathBuf {
    data.join("tenants")
        .join(tenant)
        .join("sandboxes")
        .join(agent)
}

#[tokio::test]
async fn symlinks_are_never_followed_not_even_inside_the_sandbox() {
    let data = scratch();
    let app = spawn_with(j!({"data_path": data})).await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "coder").await;
    let b_id = agent(&app, &b, "coder").await;
    let info = format!("/v1/agents/{id}/sandbox");
    let (status, _) = send(&app, "GET", &info, &a.token, None).await;
    assert_eq!(status, 200);
    let root = root_of(&data, a.id.as_str(), &id);
    let outside = root_of(&data, b.id.as_str(), &b_id);
    fs::create_dir_all(outside.join("bin")).expect("mkdir");
    fs::write(outside.join("bin/b-only-tool"), "#!").expect("write");
    fs::create_dir_all(root.join("src")).expect("mkdir");
    fs::write(root.join("src/main.rs"), "fn main() {}").expect("write");
    fs::create_dir_all(root.join(".local/bin")).expect("mkdir");
    fs::write(root.join(".local/bin/mine"), "#!").expect("write");
    // `bin` points at another tenant's tools (or at `DATA_PATH/tenants`): L10.
    std::os::unix::fs::symlink(outside.join("bin"), root.join("bin")).expect("symlink");
    std::os::unix::fs::symlink(root.join("src"), root.join("in")).expect("symlink");

    let (status, body) = send(&app, "GET", &info, &a.token, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["installedTools"], j!(["mine"]), "{body}");
    // A symlink pointing inside is refused too: the runtime can repoint it at any moment.
    for path in ["in/main.rs", "bin/b-only-tool"] {
        let (status, body) = send(
            &app,
            "GET",
            &format!("/v1/agents/{id}/sandbox/file?path={path}"),
            &a.token,
            None,
        )
        .await;
        assert_error(status, &body, 400, "invalid_path");
    }
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox/tree?path=in"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 400, "invalid_path");
    // A file where a directory is expected is not a 500.
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox/file?path=src/main.rs/x"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox/tree?path=src/main.rs"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 400, "not_a_directory");
}

/// H1 through the API: while the agent swaps `d` between a directory and a symlink to agent-svc's
/// own secrets, no read of `d/secret` ever returns them.
#[tokio::test]
async fn a_directory_swapped_for_a_symlink_never_serves_the_outside_file() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let data = scratch();
    let app = spawn_with(j!({"data_path": data})).await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "coder").await;
    let (status, _) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/sandbox"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let root = root_of(&data, a.id.as_str(), &id);
    let secrets = data.join("service-secrets");
    fs::create_dir_all(&secrets).expect("mkdir");
    fs::write(secrets.join("secret"), "AUTH_SECRET_KEY=leaked").expect("write");
    fs::create_dir_all(root.join("d")).expect("mkdir");
    fs::write(root.join("d/secret"), "harmless").expect("write");
    std::os::unix::fs::symlink(&secrets, root.join("other")).expect("symlink");

    // The agent keeps swapping while the user reads; 200 reads give a check-then-open
    // implementation dozens of chances to lose the race (it leaks a few % of reads).
    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let (stop, root) = (stop.clone(), root.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                kit::testing::exchange(&root, "d", "other").expect("exchange");
            }
        })
    };
    let (mut served, mut refused) = (0, 0);
    for _ in 0..200 {
        let (status, body) = send(
            &app,
            "GET",
            &format!("/v1/agents/{id}/sandbox/file?path=d/secret"),
            &a.token,
            None,
        )
        .await;
        if body.to_string().contains("leaked") {
            stop.store(true, Ordering::SeqCst);
            panic!("served the outside file: {body}");
        }
        if status == 200 {
            served += 1;
        } else {
            assert!(status == 400 || status == 404, "{status} {body}");
            refused += 1;
        }
    }
    stop.store(true, Ordering::SeqCst);
    flipper.join().expect("flipper");
    println!("served {served}, refused {refused}");
}
