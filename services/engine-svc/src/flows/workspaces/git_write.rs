//! Changing a workspace's repository: merging the run's branch into the main branch, and
//! pushing a branch to `origin`. Failures that are the repository's state (no repository, no
//! remote, conflicts, a refused push) answer `{success: false, error}` as the contract has it;
//! only our own failures are 5xx.

use kit::ApiError;

use super::Workspace;
use super::git::Repo;
use crate::api::workspaces::{MergeResponse, PushResponse, branch_name_ok};

fn merge_failed(error: impl Into<String>) -> MergeResponse {
    MergeResponse {
        error: Some(error.into()),
        ..Default::default()
    }
}

async fn oid(repo: &Repo, reference: &str) -> Result<Option<String>, ApiError> {
    let out = repo
        .run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            reference,
        ])
        .await?;
    Ok(out.ok.then(|| out.text().trim().to_owned()))
}

async fn current_branch(repo: &Repo) -> Result<Option<String>, ApiError> {
    let out = repo
        .run(&["symbolic-ref", "--quiet", "--short", "HEAD"])
        .await?;
    Ok(out
        .ok
        .then(|| out.text().trim().to_owned())
        .filter(|b| branch_name_ok(b)))
}

/// Merges the branch checked out in the workspace (the run's branch) into `main` (or
/// `master`) without touching any work tree: `merge-tree` computes the result, `commit-tree`
/// records it (two parents, or one for `squash`), and `update-ref` moves the main branch only
/// if nobody moved it meanwhile.
pub async fn merge(ws: &Workspace, strategy: &str) -> Result<MergeResponse, ApiError> {
    let repo = match Repo::find(ws).await? {
        Ok(repo) => repo,
        Err(why) => return Ok(merge_failed(why.describe())),
    };
    let Some(source) = current_branch(&repo).await? else {
        return Ok(merge_failed("no branch is checked out in the workspace"));
    };
    let mut target = None;
    for name in ["main", "master"] {
        if let Some(at) = oid(&repo, &format!("refs/heads/{name}")).await? {
            target = Some((name, at));
            break;
        }
    }
    let Some((target, target_at)) = target else {
        return Ok(merge_failed("the repository has no main or master branch"));
    };
    if source == target {
        return Ok(merge_failed(format!(
            "the workspace is on {target} itself; there is no run branch to merge"
        )));
    }
    let Some(source_at) = oid(&repo, &format!("refs/heads/{source}")).await? else {
        return Ok(merge_failed(format!(
            "the branch {source} has no commit yet"
        )));
    };
    let merged = repo
        .run(&["merge-base", "--is-ancestor", &source_at, &target_at])
        .await?;
    if merged.ok {
        return Ok(MergeResponse {
            success: true,
            commit_hash: Some(target_at),
            conflicts: Some(Vec::new()),
            error: None,
        });
    }
    let tree = repo
        .run(&[
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            &target_at,
            &source_at,
        ])
        .await?;
    let text = tree.text();
    let mut lines = text.lines();
    let tree_oid = lines.next().unwrap_or("").trim().to_owned();
    match tree.code {
        Some(0) => {}
        Some(1) => {
            let conflicts = lines
                .take_while(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            return Ok(MergeResponse {
                success: false,
                commit_hash: None,
                conflicts: Some(conflicts),
                error: Some(format!("merging {source} into {target} conflicts")),
            });
        }
        _ => return Ok(merge_failed(tree.reason())),
    }
    let message = format!("Merge {source} into {target}");
    let mut args = vec!["commit-tree", tree_oid.as_str(), "-p", target_at.as_str()];
    if strategy != "squash" {
        args.extend(["-p", source_at.as_str()]);
    }
    args.extend(["-m", message.as_str()]);
    let commit = repo.run(&args).await?;
    if !commit.ok {
        return Ok(merge_failed(commit.reason()));
    }
    let new = commit.text().trim().to_owned();
    let target_ref = format!("refs/heads/{target}");
    let moved = repo
        .run(&["update-ref", "-m", &message, &target_ref, &new, &target_at])
        .await?;
    if !moved.ok {
        return Ok(merge_failed(format!(
            "{target} moved while merging; try again"
        )));
    }
    Ok(MergeResponse {
        success: true,
        commit_hash: Some(new),
        conflicts: Some(Vec::new()),
        error: None,
    })
}

fn push_failed(error: impl Into<String>) -> PushResponse {
    PushResponse {
        error: Some(error.into()),
        ..Default::default()
    }
}

/// A remote URL without the user or token it may carry (`https://x:tok@host/…`).
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// An error line with the remote's URL as [`redact`] shows it.
fn hide(line: &str, raw: &str, shown: &str) -> String {
    if raw.is_empty() {
        line.to_owned()
    } else {
        line.replace(raw, shown)
    }
}

fn is_auth_error(stderr: &str) -> bool {
    let s = stderr.to_ascii_lowercase();
    [
        "authentication failed",
        "could not read username",
        "terminal prompts disabled",
        "permission denied",
        "403",
    ]
    .iter()
    .any(|m| s.contains(m))
}

/// Pushes `branch` (default: the one checked out) to `origin` over https, with no credential
/// but what the remote URL carries.
pub async fn push(
    ws: &Workspace,
    branch: Option<&str>,
    force: bool,
) -> Result<PushResponse, ApiError> {
    let repo = match Repo::find(ws).await? {
        Ok(repo) => repo,
        Err(why) => return Ok(push_failed(why.describe())),
    };
    let remote = repo.run(&["remote", "get-url", "origin"]).await?;
    if !remote.ok {
        return Ok(push_failed("no remote named origin is configured"));
    }
    let raw_url = remote.text().trim().to_owned();
    let remote_url = redact(&raw_url);
    let branch = match branch {
        Some(b) => b.to_owned(),
        None => match current_branch(&repo).await? {
            Some(b) => b,
            None => return Ok(push_failed("no branch is checked out in the workspace")),
        },
    };
    let local = format!("refs/heads/{branch}");
    let Some(head) = oid(&repo, &local).await? else {
        return Ok(push_failed(format!("there is no branch {branch}")));
    };
    let tracking = format!("refs/remotes/origin/{branch}");
    let range = match oid(&repo, &tracking).await? {
        Some(_) => format!("{tracking}..{local}"),
        None => local.clone(),
    };
    let ahead = repo.run(&["rev-list", "--count", &range]).await?;
    let commits = ahead.text().trim().parse::<i64>().ok();
    let spec = format!("{local}:{local}");
    let mut args = vec!["push", "--porcelain"];
    if force {
        args.push("--force");
    }
    args.extend(["origin", spec.as_str()]);
    let out = repo.run(&args).await?;
    if !out.ok {
        return Ok(PushResponse {
            auth_error: is_auth_error(&out.stderr),
            error: Some(hide(&out.reason(), &raw_url, &remote_url)),
            branch: Some(branch),
            remote_url: Some(remote_url),
            ..Default::default()
        });
    }
    Ok(PushResponse {
        success: true,
        commits_pushed: commits,
        remote_commit_hash: Some(head),
        branch: Some(branch),
        remote_url: Some(remote_url),
        error: None,
        auth_error: false,
    })
}
