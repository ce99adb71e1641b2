//! Running the `git` CLI in a tenant's workspace, which that tenant's agent writes (and may have
//! shaped to attack us): the repository is named explicitly (`GIT_DIR`, no discovery upwards),
//! must be a real `.git` directory with no alternates (so it cannot borrow another tenant's
//! objects), and git runs with a cleared environment, no system or global config, no hooks,
//! no fsmonitor, no credential helper, no prompt, https as the only transport, a timeout and a
//! bound on what it prints.
//!
//! What stays: the repository's own `.git/config` is still read (git has no switch to ignore
//! it); the settings of it that run programs and that a command here would reach are overridden
//! below, and `--no-ext-diff --no-textconv` keep diffs internal. docs/engine/workspaces.md
//! lists the rest (clean/smudge filters on `status`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use kit::ApiError;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

use super::Workspace;

/// How long one git command may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// What one git command may print before it is stopped (and its output cut).
pub const MAX_OUTPUT: usize = 4 << 20;
const MAX_STDERR: u64 = 64 << 10;

/// Settings given on the command line, which win over the repository's own.
const OVERRIDES: &[&str] = &[
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "core.askPass=",
    "credential.helper=",
    "protocol.allow=never",
    "protocol.https.allow=always",
    "diff.external=",
    "color.ui=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "uploadpack.packObjectsHook=",
    "user.name=DjinnBot",
    "user.email=engine@djinnbot.invalid",
];

/// What a git command printed and how it ended.
#[derive(Debug)]
pub struct Output {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    /// Stdout was cut at [`MAX_OUTPUT`] (the command was stopped there).
    pub cut: bool,
    pub stderr: String,
}

impl Output {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr's first line, for an error a person reads.
    pub fn reason(&self) -> String {
        let line = self.stderr.lines().find(|l| !l.trim().is_empty());
        line.unwrap_or("git failed").trim().to_owned()
    }
}

/// A repository found in a workspace, ready to run git in.
#[derive(Debug)]
pub struct Repo {
    dir: PathBuf,
}

/// Why no repository can be used.
#[derive(Debug, PartialEq, Eq)]
pub enum NoRepo {
    /// The workspace does not exist yet.
    NoWorkspace,
    /// No `.git` directory (or a `.git` that is a symlink or a file).
    NotARepo,
    /// `.git/objects/info/alternates` names objects elsewhere: refused.
    Alternates,
}

impl NoRepo {
    pub fn describe(&self) -> &'static str {
        match self {
            Self::NoWorkspace => "the workspace does not exist yet",
            Self::NotARepo => "the workspace is not a git repository",
            Self::Alternates => {
                "the repository borrows objects from elsewhere (alternates); refused"
            }
        }
    }
}

impl Repo {
    /// The workspace's repository, looked at through its directory handle (no symlink
    /// followed): `.git` must be a directory of the workspace itself.
    pub async fn find(ws: &Workspace) -> Result<Result<Self, NoRepo>, ApiError> {
        let ws = ws.clone();
        tokio::task::spawn_blocking(move || {
            let Some(base) = ws.open()? else {
                return Ok(Err(NoRepo::NoWorkspace));
            };
            let Ok(git) = base.open_dir(".git") else {
                return Ok(Err(NoRepo::NotARepo));
            };
            if git.open_file("objects/info/alternates").is_ok()
                || git.open_file("commondir").is_ok()
            {
                return Ok(Err(NoRepo::Alternates));
            }
            Ok(Ok(Self { dir: ws.dir()? }))
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `git {args}` in the workspace.
    pub async fn run(&self, args: &[&str]) -> Result<Output, ApiError> {
        let home = scratch_home()?;
        let mut cmd = Command::new("git");
        cmd.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &home)
            .env("LC_ALL", "C")
            .env("GIT_DIR", self.dir.join(".git"))
            .env("GIT_WORK_TREE", &self.dir)
            .env("GIT_CEILING_DIRECTORIES", &self.dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .env("GIT_PAGER", "cat")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for o in OVERRIDES {
            cmd.arg("-c").arg(o);
        }
        cmd.args(args);
        let mut child = cmd.spawn().map_err(ApiError::internal)?;
        let (Some(mut out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(ApiError::internal(anyhow::anyhow!(
                "git's pipes were not made"
            )));
        };
        let stderr = tokio::spawn(async move {
            let mut buf = Vec::new();
            let _ = err.take(MAX_STDERR).read_to_end(&mut buf).await;
            String::from_utf8_lossy(&buf).into_owned()
        });
        let work = async {
            let mut stdout = Vec::new();
            (&mut out)
                .take(MAX_OUTPUT as u64 + 1)
                .read_to_end(&mut stdout)
                .await?;
            let cut = stdout.len() > MAX_OUTPUT;
            if cut {
                stdout.truncate(MAX_OUTPUT);
                // It would block on a full pipe: stop it.
                let _ = child.start_kill();
            }
            let status = child.wait().await?;
            Ok::<_, std::io::Error>((status, stdout, cut))
        };
        let (status, stdout, cut) = match tokio::time::timeout(TIMEOUT, work).await {
            Ok(done) => done.map_err(ApiError::internal)?,
            // The child is killed as it is dropped.
            Err(_) => {
                return Err(ApiError::unavailable(
                    "git_timeout",
                    format!("git took longer than {}s", TIMEOUT.as_secs()),
                ));
            }
        };
        let stderr = stderr.await.unwrap_or_default();
        Ok(Output {
            ok: status.success(),
            code: status.code(),
            stdout,
            cut,
            stderr,
        })
    }
}

/// An empty HOME of our own, so nothing of the engine's user is read (`~/.gitconfig`,
/// credentials).
fn scratch_home() -> Result<PathBuf, ApiError> {
    let home = std::env::temp_dir().join("djb-engine-git-home");
    std::fs::create_dir_all(&home).map_err(ApiError::internal)?;
    Ok(home)
}

/// A commit named in a path: hex only, so it can be neither an option nor a revision
/// expression (`HEAD~1`, `a..b`, `:path`).
pub fn commit_ok(hash: &str) -> bool {
    (4..=64).contains(&hash.len()) && hash.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// A file path named in a route: relative, normalized, inside the work tree and never an
/// option; returned `/`-joined.
pub fn file_ok(path: &str) -> Result<String, ApiError> {
    let bad = || ApiError::bad_request("invalid_path", "the file path must be relative and plain");
    let norm = kit::paths::normalize(path).map_err(|_| bad())?;
    if norm.is_empty() || norm.starts_with('-') || norm.split('/').any(|p| p == ".git") {
        return Err(bad());
    }
    Ok(norm)
}

pub fn bad_commit() -> ApiError {
    ApiError::bad_request(
        "invalid_commit",
        "a commit is 4 to 64 lowercase hex characters",
    )
}
