//! The git routes on a real repository made in a run's workspace: status, history, a file at a
//! commit, a commit's diff, a file's history, merge and push; bad input 400; no repository
//! answers "nothing"; another tenant 404.

use std::path::Path;
use std::process::Command;

use kit::testing::StatusCode;
use serde_json::{Value, json};

use crate::workspaces::{a_run, run_dir, with_data};

/// Runs git for the test's own set-up, with a fixed identity and no user config.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Tester",
            "-c",
            "user.email=t@example.invalid",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::fs::write(path, text).expect("write");
}

/// A repository with two commits on `main`, one modified and one untracked file.
fn repo(dir: &Path) -> (String, String) {
    std::fs::create_dir_all(dir).expect("dir");
    git(dir, &["init", "-q"]);
    write(dir, "a.txt", "one\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "first"]);
    let first = git(dir, &["rev-parse", "HEAD"]);
    write(dir, "src/lib.rs", "pub fn f() {}\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "second: add lib"]);
    let second = git(dir, &["rev-parse", "HEAD"]);
    write(dir, "a.txt", "one\ntwo\n");
    write(dir, "new.txt", "untracked\n");
    (first, second)
}

#[tokio::test]
async fn status_history_show_diff_and_file_history_read_a_real_repository() {
    let (e, root) = with_data().await;
    let t = e.app.tenant("Alpha").await;
    let run = a_run(&e, &t).await;
    let (first, second) = repo(&run_dir(&root, &t, &run));
    let api = e.app.client.bearer(&t.token);
    let base = format!("/v1/workspaces/{run}/git");

    let (status, s) = api.get(&format!("{base}/status")).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        (s["is_repo"].as_bool(), s["branch"].as_str()),
        (Some(true), Some("main"))
    );
    assert_eq!(
        (s["is_clean"].as_bool(), s["uncommitted_changes"].as_u64()),
        (Some(false), Some(2))
    );
    let changes: Vec<(&str, &str)> = s["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["path"].as_str().expect("p"),
                c["status"].as_str().expect("s"),
            )
        })
        .collect();
    assert!(
        changes.contains(&("a.txt", ".M")) && changes.contains(&("new.txt", "??")),
        "{changes:?}"
    );
    assert_eq!(s["last_commit"]["hash"], second.as_str());
    assert_eq!(s["last_commit"]["message"], "second: add lib");
    assert_eq!(s["tracking_branch"], Value::Null);

    let (_, h) = api.get(&format!("{base}/history")).await;
    assert_eq!(h["total"], 2);
    assert_eq!(h["commits"][0]["hash"], second.as_str());
    assert_eq!(h["commits"][1]["author"], "Tester");
    let (_, h) = api.get(&format!("{base}/history?limit=1&offset=1")).await;
    assert_eq!(
        (h["total"].as_i64(), h["commits"].as_array().map(Vec::len)),
        (Some(2), Some(1))
    );
    assert_eq!(h["commits"][0]["hash"], first.as_str());

    let (status, f) = api.get(&format!("{base}/show/{}/a.txt", &first[..8])).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(
        (f["content"].as_str(), f["commit"].as_str()),
        (Some("one\n"), Some(first.as_str()))
    );
    let (status, f) = api.get(&format!("{base}/show/{second}/src/lib.rs")).await;
    assert_eq!(
        (status, f["language"].as_str()),
        (StatusCode::OK, Some("rust"))
    );
    let (status, _) = api.get(&format!("{base}/show/{first}/src/lib.rs")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "not there yet at the first commit"
    );
    let (status, _) = api.get(&format!("{base}/show/deadbeef/a.txt")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no such commit");

    let (status, d) = api.get(&format!("{base}/diff/{second}")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["files"], json!([{"path": "src/lib.rs", "status": "A"}]));
    assert!(d["diff"].as_str().expect("diff").contains("+pub fn f() {}"));
    let (_, d) = api.get(&format!("{base}/diff/{first}")).await;
    assert_eq!(
        d["files"],
        json!([{"path": "a.txt", "status": "A"}]),
        "the root commit"
    );

    let (status, fh) = api.get(&format!("{base}/file-history/src/lib.rs")).await;
    assert_eq!(status, StatusCode::OK, "{fh}");
    assert_eq!(
        (fh["total"].as_i64(), fh["path"].as_str()),
        (Some(1), Some("src/lib.rs"))
    );
    assert_eq!(fh["commits"][0]["hash"], second.as_str());
    let (status, _) = api.get(&format!("{base}/file-history/new.txt")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no commit touches it");
}

#[tokio::test]
async fn bad_commits_and_paths_are_400_never_options() {
    let (e, root) = with_data().await;
    let t = e.app.tenant("Alpha").await;
    let run = a_run(&e, &t).await;
    repo(&run_dir(&root, &t, &run));
    let api = e.app.client.bearer(&t.token);
    let base = format!("/v1/workspaces/{run}/git");
    for bad in [
        format!("{base}/show/HEAD/a.txt"),
        format!("{base}/show/--output=x/a.txt"),
        format!("{base}/show/abc/a.txt"),
        format!("{base}/show/ABCDEF12/a.txt"),
        format!("{base}/diff/HEAD~1"),
        format!("{base}/diff/a..b"),
        format!("{base}/show/abcdef12/-p"),
        format!("{base}/show/abcdef12/x/..%2F..%2Fetc%2Fpasswd"),
        format!("{base}/file-history/--all"),
        format!("{base}/file-history/.git/config"),
    ] {
        let (status, body) = api.get(&bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["code"].is_string(), "our error body: {body}");
    }
    let (status, _) = api.get(&format!("{base}/history?limit=0")).await;
    assert_eq!(status.as_u16(), 422);
    let (status, _) = api
        .post(&format!("{base}/merge"), json!({"strategy": "octopus"}))
        .await;
    assert_eq!(status.as_u16(), 422);
    let (status, _) = api
        .post(&format!("{base}/push"), json!({"branch": "--mirror"}))
        .await;
    assert_eq!(status.as_u16(), 422);
}

#[tokio::test]
async fn a_workspace_without_a_repository_answers_nothing_and_merge_and_push_say_why() {
    let (e, root) = with_data().await;
    let t = e.app.tenant("Alpha").await;
    let run = a_run(&e, &t).await;
    let api = e.app.client.bearer(&t.token);
    let base = format!("/v1/workspaces/{run}/git");
    let dir = run_dir(&root, &t, &run);
    std::fs::create_dir_all(&dir).expect("dir");
    // A `.git` that is a symlink to another repository (another tenant's) is no repository.
    let elsewhere = root.join("elsewhere");
    repo(&elsewhere);
    std::os::unix::fs::symlink(elsewhere.join(".git"), dir.join(".git")).expect("symlink");

    let (status, s) = api.get(&format!("{base}/status")).await;
    assert_eq!(
        (status, s["is_repo"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{s}"
    );
    assert_eq!(s["changes"], json!([]));
    let (_, h) = api.get(&format!("{base}/history")).await;
    assert_eq!(
        (h["total"].as_i64(), h["commits"].clone()),
        (Some(0), json!([]))
    );
    let (status, m) = api.post(&format!("{base}/merge"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(m["success"], false);
    assert!(
        m["error"]
            .as_str()
            .expect("error")
            .contains("not a git repository"),
        "{m}"
    );
    let (_, p) = api.post(&format!("{base}/push"), json!({})).await;
    assert_eq!(p["success"], false);
    assert!(
        p["error"]
            .as_str()
            .expect("error")
            .contains("not a git repository"),
        "{p}"
    );
    let (status, _) = api.get(&format!("{base}/show/abcdef12/a.txt")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn merge_moves_main_and_push_refuses_without_an_https_remote() {
    let (e, root) = with_data().await;
    let t = e.app.tenant("Alpha").await;
    let run = a_run(&e, &t).await;
    let dir = run_dir(&root, &t, &run);
    let (_, second) = repo(&dir);
    git(&dir, &["checkout", "-qb", &format!("run/{run}")]);
    git(&dir, &["commit", "-qam", "the run's work"]);
    let work = git(&dir, &["rev-parse", "HEAD"]);
    let api = e.app.client.bearer(&t.token);
    let base = format!("/v1/workspaces/{run}/git");

    let (_, p) = api.post(&format!("{base}/push"), json!({})).await;
    assert_eq!(
        (p["success"].as_bool(), p["error"].as_str()),
        (Some(false), Some("no remote named origin is configured"))
    );

    let (status, m) = api
        .post(&format!("{base}/merge"), json!({"strategy": "merge"}))
        .await;
    assert_eq!(
        (status, m["success"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{m}"
    );
    let merged = m["commit_hash"].as_str().expect("hash").to_owned();
    assert_eq!(git(&dir, &["rev-parse", "main"]), merged);
    assert_eq!(
        git(&dir, &["rev-list", "--parents", "-n1", "main"]),
        format!("{merged} {second} {work}")
    );
    let (_, again) = api.post(&format!("{base}/merge"), json!({})).await;
    assert_eq!(
        (again["success"].as_bool(), again["commit_hash"].as_str()),
        (Some(true), Some(merged.as_str())),
        "already merged"
    );

    // A local remote (which could be another tenant's directory) is not a transport we use.
    let remote = root.join("remote.git");
    git(
        &root,
        &["init", "-q", "--bare", remote.to_str().expect("utf-8")],
    );
    git(
        &dir,
        &["remote", "add", "origin", remote.to_str().expect("utf-8")],
    );
    let (_, p) = api
        .post(&format!("{base}/push"), json!({"branch": "main"}))
        .await;
    assert_eq!(p["success"], false, "{p}");
    assert!(
        p["error"].as_str().expect("error").contains("not allowed"),
        "{p}"
    );
    let refs = git(&remote, &["for-each-ref"]);
    assert_eq!(refs, "", "nothing reached the remote");
}

#[tokio::test]
async fn another_tenant_gets_404_on_every_git_route_and_changes_nothing() {
    let (e, root) = with_data().await;
    let a = e.app.tenant("Alpha").await;
    let b = e.app.tenant("Beta").await;
    let run = a_run(&e, &a).await;
    let dir = run_dir(&root, &a, &run);
    let (first, _) = repo(&dir);
    git(&dir, &["checkout", "-qb", "run/x"]);
    git(&dir, &["commit", "-qam", "work"]);
    let project = "prj_alpha000000000";
    let project_dir = root
        .join("tenants")
        .join(a.id.as_str())
        .join("workspaces")
        .join(project);
    repo(&project_dir);
    let before = (
        git(&dir, &["rev-parse", "main"]),
        git(&dir, &["rev-parse", "HEAD"]),
    );
    let api = e.app.client.bearer(&b.token);
    let base = format!("/v1/workspaces/{run}/git");
    for path in [
        format!("{base}/status"),
        format!("{base}/history"),
        format!("{base}/show/{first}/a.txt"),
        format!("{base}/diff/{first}"),
        format!("{base}/file-history/a.txt"),
    ] {
        let (status, body) = api.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    for path in [
        format!("{base}/merge"),
        format!("{base}/push"),
        format!("/v1/workspaces/projects/{project}/git/push"),
    ] {
        let (status, body) = api.post(&path, json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let after = (
        git(&dir, &["rev-parse", "main"]),
        git(&dir, &["rev-parse", "HEAD"]),
    );
    assert_eq!(before, after, "A's repository is unchanged");
    // A's own project push reaches A's workspace (which has no remote).
    let (status, p) = e
        .app
        .client
        .bearer(&a.token)
        .post(
            &format!("/v1/workspaces/projects/{project}/git/push"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, p["error"].as_str()),
        (StatusCode::OK, Some("no remote named origin is configured"))
    );
}

#[tokio::test]
async fn a_conflicting_merge_names_the_files_and_moves_nothing_and_squash_has_one_parent() {
    let (e, root) = with_data().await;
    let t = e.app.tenant("Alpha").await;
    let run = a_run(&e, &t).await;
    let dir = run_dir(&root, &t, &run);
    let (_, second) = repo(&dir);
    git(&dir, &["checkout", "-qb", "run/conflict"]);
    git(&dir, &["commit", "-qam", "the run's a.txt"]);
    git(&dir, &["checkout", "-q", "main"]);
    write(&dir, "a.txt", "main's own\n");
    git(&dir, &["commit", "-qam", "main's a.txt"]);
    let main_before = git(&dir, &["rev-parse", "main"]);
    git(&dir, &["checkout", "-q", "run/conflict"]);
    let api = e.app.client.bearer(&t.token);
    let base = format!("/v1/workspaces/{run}/git");

    let (status, m) = api.post(&format!("{base}/merge"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (m["success"].as_bool(), m["conflicts"].clone()),
        (Some(false), json!(["a.txt"])),
        "{m}"
    );
    assert_eq!(
        git(&dir, &["rev-parse", "main"]),
        main_before,
        "main did not move"
    );

    git(&dir, &["checkout", "-qb", "run/squash", &second]);
    write(&dir, "b.txt", "b\n");
    git(&dir, &["add", "b.txt"]);
    git(&dir, &["commit", "-qm", "b"]);
    let (_, m) = api
        .post(&format!("{base}/merge"), json!({"strategy": "squash"}))
        .await;
    assert_eq!(m["success"], true, "{m}");
    let merged = m["commit_hash"].as_str().expect("hash");
    assert_eq!(
        git(&dir, &["rev-list", "--parents", "-n1", "main"]),
        format!("{merged} {main_before}")
    );
    assert_eq!(git(&dir, &["show", "main:b.txt"]), "b");
}
