//! Reading a run workspace's git history: status, log, a file at a commit, a file's history and
//! a commit's diff. A workspace that is no repository answers "nothing" (the contract's shapes),
//! never an error; a commit or file that does not exist answers 404.

use kit::ApiError;
use shared_schemas::ids::TenantId;

use super::git::{self, NoRepo, Output, Repo};
use super::{MAX_FILE_BYTES, not_text, of_run, too_large};
use crate::AppState;
use crate::api::workspaces::{
    Change, Commit, CommitDiff, DiffFile, FileHistory, GitStatus, History, ShownFile,
};

/// Fields of one commit: hash, short hash, author, email, author time (s), subject.
const FORMAT: &str = "--format=%H%x1f%h%x1f%an%x1f%ae%x1f%at%x1f%s%x1e";

fn parse_commits(out: &Output) -> Vec<Commit> {
    out.text()
        .split('\x1e')
        .filter_map(|rec| {
            let f: Vec<&str> = rec.trim_start_matches('\n').split('\x1f').collect();
            let [hash, short, author, email, at, subject] = f.as_slice() else {
                return None;
            };
            Some(Commit {
                hash: (*hash).to_owned(),
                short_hash: (*short).to_owned(),
                author: (*author).to_owned(),
                email: (*email).to_owned(),
                date: at.parse::<i64>().unwrap_or(0).saturating_mul(1000),
                message: (*subject).to_owned(),
            })
        })
        .collect()
}

fn count(out: &Output) -> i64 {
    if out.ok {
        out.text().trim().parse().unwrap_or(0)
    } else {
        0
    }
}

fn failed(out: &Output) -> ApiError {
    ApiError::internal(anyhow::anyhow!("git: {}", out.reason()))
}

async fn repo_of(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
) -> Result<Result<Repo, NoRepo>, ApiError> {
    let ws = of_run(app, tenant, run).await?;
    Repo::find(&ws).await
}

pub async fn status(app: &AppState, tenant: &TenantId, run: &str) -> Result<GitStatus, ApiError> {
    let mut status = GitStatus {
        run_id: run.to_owned(),
        is_repo: false,
        branch: None,
        tracking_branch: None,
        ahead: 0,
        behind: 0,
        is_clean: true,
        uncommitted_changes: 0,
        changes: Vec::new(),
        last_commit: None,
        error: None,
    };
    let repo = match repo_of(app, tenant, run).await? {
        Ok(repo) => repo,
        Err(why) => {
            if why == NoRepo::Alternates {
                status.error = Some(why.describe().to_owned());
            }
            return Ok(status);
        }
    };
    status.is_repo = true;
    let out = repo
        .run(&["status", "--porcelain=v2", "--branch", "-z"])
        .await?;
    if !out.ok {
        status.error = Some(out.reason());
        return Ok(status);
    }
    read_status(&out.text(), &mut status);
    let last = repo.run(&["log", "-1", FORMAT]).await?;
    if last.ok {
        status.last_commit = parse_commits(&last).into_iter().next();
    }
    Ok(status)
}

/// `git status --porcelain=v2 --branch -z` into the contract's fields.
fn read_status(text: &str, status: &mut GitStatus) {
    let mut records = text.split('\0');
    while let Some(rec) = records.next() {
        if let Some(head) = rec.strip_prefix("# branch.head ") {
            status.branch = (head != "(detached)").then(|| head.to_owned());
        } else if let Some(up) = rec.strip_prefix("# branch.upstream ") {
            status.tracking_branch = Some(up.to_owned());
        } else if let Some(ab) = rec.strip_prefix("# branch.ab ") {
            for part in ab.split(' ') {
                if let Some(n) = part.strip_prefix('+') {
                    status.ahead = n.parse().unwrap_or(0);
                } else if let Some(n) = part.strip_prefix('-') {
                    status.behind = n.parse().unwrap_or(0);
                }
            }
        } else if let Some(path) = rec.strip_prefix("? ") {
            status.changes.push(Change {
                path: path.to_owned(),
                status: "??".to_owned(),
            });
        } else {
            // Ordinary (1), renamed (2, followed by its old path) and unmerged (u) entries:
            // the XY code, then a fixed number of fields, then the path.
            let fields = match rec.get(..2) {
                Some("1 ") => 9,
                Some("2 ") => 10,
                Some("u ") => 11,
                _ => continue,
            };
            let parts: Vec<&str> = rec.splitn(fields, ' ').collect();
            if let (Some(xy), Some(path)) = (parts.get(1), parts.get(fields - 1)) {
                status.changes.push(Change {
                    path: (*path).to_owned(),
                    status: (*xy).to_owned(),
                });
            }
            if rec.starts_with("2 ") {
                records.next();
            }
        }
    }
    status.uncommitted_changes = status.changes.len();
    status.is_clean = status.changes.is_empty();
}

pub async fn history(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    limit: i64,
    offset: i64,
) -> Result<History, ApiError> {
    let mut history = History {
        run_id: run.to_owned(),
        commits: Vec::new(),
        total: 0,
    };
    let Ok(repo) = repo_of(app, tenant, run).await? else {
        return Ok(history);
    };
    history.total = count(&repo.run(&["rev-list", "--count", "HEAD"]).await?);
    if history.total == 0 {
        return Ok(history);
    }
    let (n, skip) = (format!("-n{limit}"), format!("--skip={offset}"));
    let out = repo.run(&["log", FORMAT, &n, &skip, "HEAD"]).await?;
    if !out.ok {
        return Err(failed(&out));
    }
    history.commits = parse_commits(&out);
    Ok(history)
}

fn commit_missing() -> ApiError {
    ApiError::not_found("commit not found")
}

/// The repository and the full hash of `commit`; 404 when the run has no repository or the
/// repository no such commit.
async fn commit_in(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    commit: &str,
) -> Result<(Repo, String), ApiError> {
    if !git::commit_ok(commit) {
        return Err(git::bad_commit());
    }
    let repo = repo_of(app, tenant, run)
        .await?
        .map_err(|why| ApiError::not_found(why.describe()))?;
    let spec = format!("{commit}^{{commit}}");
    let out = repo
        .run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])
        .await?;
    if !out.ok {
        return Err(commit_missing());
    }
    Ok((repo, out.text().trim().to_owned()))
}

pub async fn show(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    commit: &str,
    file: &str,
) -> Result<ShownFile, ApiError> {
    let path = git::file_ok(file)?;
    let (repo, full) = commit_in(app, tenant, run, commit).await?;
    let object = format!("{full}:{path}");
    let kind = repo.run(&["cat-file", "-t", &object]).await?;
    if !kind.ok || kind.text().trim() != "blob" {
        return Err(ApiError::not_found("file not found at that commit"));
    }
    let size = count(&repo.run(&["cat-file", "-s", &object]).await?);
    let size = u64::try_from(size).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    let out = repo.run(&["cat-file", "blob", &object]).await?;
    if !out.ok {
        return Err(failed(&out));
    }
    let content = String::from_utf8(out.stdout).map_err(|_| not_text())?;
    Ok(ShownFile {
        run_id: run.to_owned(),
        commit: full,
        language: language(&path).to_owned(),
        size,
        path,
        content,
    })
}

pub async fn file_history(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    file: &str,
    limit: i64,
    offset: i64,
) -> Result<FileHistory, ApiError> {
    let path = git::file_ok(file)?;
    let repo = repo_of(app, tenant, run)
        .await?
        .map_err(|why| ApiError::not_found(why.describe()))?;
    let total = count(
        &repo
            .run(&["rev-list", "--count", "HEAD", "--", &path])
            .await?,
    );
    if total == 0 {
        return Err(ApiError::not_found("no commit touches that file"));
    }
    let (n, skip) = (format!("-n{limit}"), format!("--skip={offset}"));
    let out = repo
        .run(&["log", FORMAT, &n, &skip, "HEAD", "--", &path])
        .await?;
    if !out.ok {
        return Err(failed(&out));
    }
    Ok(FileHistory {
        run_id: run.to_owned(),
        path,
        commits: parse_commits(&out),
        total,
    })
}

pub async fn diff(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    commit: &str,
) -> Result<CommitDiff, ApiError> {
    let (repo, full) = commit_in(app, tenant, run, commit).await?;
    let common = [
        "show",
        "--diff-merges=first-parent",
        "--format=",
        "--no-ext-diff",
        "--no-textconv",
        "--no-color",
    ];
    let mut args = common.to_vec();
    args.extend(["--name-status", full.as_str()]);
    let names = repo.run(&args).await?;
    if !names.ok {
        return Err(failed(&names));
    }
    let files = names
        .text()
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let status = f.next().filter(|s| !s.is_empty())?;
            let path = f.next_back()?;
            Some(DiffFile {
                path: path.to_owned(),
                status: status.chars().take(1).collect(),
            })
        })
        .collect();
    let mut args = common.to_vec();
    args.extend(["-p", full.as_str()]);
    let patch = repo.run(&args).await?;
    if !patch.ok && !patch.cut {
        return Err(failed(&patch));
    }
    Ok(CommitDiff {
        commit: full,
        diff: patch.text(),
        files,
    })
}

/// A language name for the viewer's highlighting, from the extension.
fn language(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "rs" => "rust",
        "py" => "python",
        "ts" | "tsx" => "typescript",
        "js" | "jsx" | "mjs" | "cjs" => "javascript",
        "go" => "go",
        "java" => "java",
        "rb" => "ruby",
        "c" | "h" => "c",
        "cc" | "cpp" | "hpp" => "cpp",
        "md" => "markdown",
        "json" => "json",
        "yml" | "yaml" => "yaml",
        "toml" => "toml",
        "html" => "html",
        "css" => "css",
        "sh" | "bash" => "bash",
        "sql" => "sql",
        _ => "text",
    }
}
