//! A run's workspace files: listed (not `.git`, not symlinks, bounded), read as UTF-8 text with
//! 404/413/415, never through a symlink, only by the run's tenant.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use kit::testing::{StatusCode, TestTenant};
use serde_json::Value;

use crate::support::{Engine, engine_with, pipeline};

/// A scratch `DATA_PATH`, removed when the test ends.
pub struct DataDir(PathBuf);

impl std::ops::Deref for DataDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An engine whose `DATA_PATH` is a fresh directory.
pub async fn with_data() -> (Engine, DataDir) {
    let root = std::env::temp_dir().join(format!("djb-ws-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&root).expect("data dir");
    let data = root.clone();
    let e = engine_with(move |c| c.data_path = Some(data)).await;
    (e, DataDir(root))
}

/// A run of tenant `t` (its workspace not made yet).
pub async fn a_run(e: &Engine, t: &TestTenant) -> String {
    let id = e
        .pipeline(&t.id, &pipeline("w", "  - {id: A, agent: a, input: x}\n"))
        .await;
    e.start(t, &id, "t").await
}

pub fn run_dir(root: &Path, t: &TestTenant, run: &str) -> PathBuf {
    root.join("tenants")
        .join(t.id.as_str())
        .join("runs")
        .join(run)
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::fs::write(path, bytes).expect("write");
}

fn paths(body: &Value) -> Vec<&str> {
    body["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect()
}

#[tokio::test]
async fn lists_the_workspace_without_git_or_symlinks_and_reads_text_files() {
    let (e, root) = with_data().await;
    let t = e.app.tenant("Alpha").await;
    let run = a_run(&e, &t).await;
    let api = e.app.client.bearer(&t.token);

    let (status, body) = api.get(&format!("/v1/workspaces/{run}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["files"], serde_json::json!([]), "no workspace yet");
    assert_eq!(body["run_id"], run.as_str());

    let dir = run_dir(&root, &t, &run);
    write(&dir, "README.md", b"# hello\n");
    write(&dir, "src/main.rs", b"fn main() {}\n");
    write(&dir, ".git/HEAD", b"ref: refs/heads/main\n");
    write(&dir, "bin.dat", &[0xff, 0xfe, 0x00, 0x01]);
    write(&dir, "big.txt", &vec![b'a'; (1 << 20) + 1]);
    symlink("/etc/passwd", dir.join("passwd")).expect("symlink");
    symlink("/etc", dir.join("etc")).expect("symlink");

    let (status, body) = api.get(&format!("/v1/workspaces/{run}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        paths(&body),
        ["README.md", "big.txt", "bin.dat", "src", "src/main.rs"]
    );
    assert_eq!(body["truncated"], false);
    let main = &body["files"][4];
    assert_eq!(
        (main["size"].as_u64(), main["is_dir"].as_bool()),
        (Some(13), Some(false))
    );
    assert!(main["modified"].as_i64().expect("modified") > 0);
    assert_eq!(body["files"][3]["is_dir"], true);

    let (status, file) = api.get(&format!("/v1/workspaces/{run}/src/main.rs")).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["content"], "fn main() {}\n");
    assert_eq!(
        (file["path"].as_str(), file["size"].as_u64()),
        (Some("src/main.rs"), Some(13))
    );

    let get = |p: &str| {
        let url = format!("/v1/workspaces/{run}/{p}");
        async move { api.get(&url).await }
    };
    assert_eq!(get("missing.txt").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get("src").await.0, StatusCode::NOT_FOUND, "a directory");
    assert_eq!(get("big.txt").await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(get("bin.dat").await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        get(".git/HEAD").await.0,
        StatusCode::NOT_FOUND,
        "never .git"
    );
    // Symlinks are never followed: neither the file one nor a directory on the way.
    let (status, body) = get("passwd").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(!body.to_string().contains("root:"));
    assert_eq!(get("etc/passwd").await.0, StatusCode::NOT_FOUND);
    let (status, body) = get("src/..%2F..%2Fx").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "invalid_path");
}

#[tokio::test]
async fn a_deep_tree_is_cut_and_says_so() {
    let (e, root) = with_data().await;
    let t = e.app.tenant("Alpha").await;
    let run = a_run(&e, &t).await;
    let deep: Vec<String> = (0..25).map(|i| format!("d{i}")).collect();
    write(
        &run_dir(&root, &t, &run),
        &format!("{}/f.txt", deep.join("/")),
        b"x",
    );
    let (_, body) = e
        .app
        .client
        .bearer(&t.token)
        .get(&format!("/v1/workspaces/{run}"))
        .await;
    assert_eq!(body["truncated"], true);
    let listed = paths(&body);
    assert_eq!(listed.len(), 20, "20 levels of directories: {listed:?}");
    assert!(!listed.iter().any(|p| p.ends_with("f.txt")));
}

#[tokio::test]
async fn another_tenant_gets_404_and_reads_nothing() {
    let (e, root) = with_data().await;
    let a = e.app.tenant("Alpha").await;
    let b = e.app.tenant("Beta").await;
    let run = a_run(&e, &a).await;
    write(&run_dir(&root, &a, &run), "secret.txt", b"A's secret");
    let api = e.app.client.bearer(&b.token);
    let (status, body) = api.get(&format!("/v1/workspaces/{run}")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("run_not_found"))
    );
    let (status, body) = api.get(&format!("/v1/workspaces/{run}/secret.txt")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.to_string().contains("secret"));
    // Even with a directory of the same run id in B's own tree, B's run it is not.
    write(&run_dir(&root, &b, &run), "mine.txt", b"b");
    assert_eq!(
        api.get(&format!("/v1/workspaces/{run}")).await.0,
        StatusCode::NOT_FOUND
    );
}
