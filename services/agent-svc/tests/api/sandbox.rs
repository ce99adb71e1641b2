//! Sandboxes: tenant-scoped paths, traversal and symlink escapes refused, bounded reads, reset.

use std::fs;
use std::path::PathBuf;

use serde_json::json as j;

use crate::helpers::{agent, assert_error, send, spawn_with, tenant};

fn scratch() -> PathBuf {
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
