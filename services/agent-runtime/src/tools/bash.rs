//! The bash tool: `bash -c` in the workspace, in its own process group (killed whole on timeout,
//! abort, or when the command returns, so nothing it started outlives it), with a cleared
//! environment (no provider key, no Redis URL) and its output capped. Not a sandbox: in process
//! mode the command can read anything the runtime's user can (docs/agent-runtime.md).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use rustix::process::{Pid, Signal};
use tokio::io::AsyncReadExt;

/// The most output kept (and streamed) per command.
pub const OUTPUT_CAP: usize = 64 << 10;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// How a command ended.
#[derive(Debug)]
pub struct BashOutcome {
    /// stdout and stderr, interleaved as they came, at most [`OUTPUT_CAP`] bytes.
    pub output: String,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub truncated: bool,
}

/// Kills the process group when dropped: after the command, on timeout, and when the request
/// future is dropped by an abort.
struct Group(Option<Pid>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = rustix::process::kill_process_group(pid, Signal::KILL);
        }
    }
}

/// Runs `command`; `on_output(is_stderr, text)` sees each chunk as it arrives (within the cap).
pub async fn run(
    cwd: &Path,
    env: &[(String, String)],
    command: &str,
    timeout: Duration,
    on_output: &mut (dyn FnMut(bool, &str) + Send),
) -> std::io::Result<BashOutcome> {
    let mut child = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(command)
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut group = Group(child.id().and_then(|id| Pid::from_raw(id as i32)));
    let (mut stdout, mut stderr) = (child.stdout.take(), child.stderr.take());
    let (mut out_buf, mut err_buf) = ([0u8; 8192], [0u8; 8192]);
    let mut output = Vec::new();
    let mut truncated = false;
    let mut exit_code = None;
    let mut exited = false;
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut take = |is_err: bool, bytes: &[u8], output: &mut Vec<u8>| {
        let room = OUTPUT_CAP.saturating_sub(output.len());
        let kept = &bytes[..bytes.len().min(room)];
        truncated |= kept.len() < bytes.len();
        if !kept.is_empty() {
            output.extend_from_slice(kept);
            on_output(is_err, &String::from_utf8_lossy(kept));
        }
    };
    loop {
        if exited && stdout.is_none() && stderr.is_none() {
            break;
        }
        tokio::select! {
            n = async { stdout.as_mut()?.read(&mut out_buf).await.ok() }, if stdout.is_some() => {
                match n { Some(n) if n > 0 => take(false, &out_buf[..n], &mut output), _ => stdout = None }
            }
            n = async { stderr.as_mut()?.read(&mut err_buf).await.ok() }, if stderr.is_some() => {
                match n { Some(n) if n > 0 => take(true, &err_buf[..n], &mut output), _ => stderr = None }
            }
            status = child.wait(), if !exited => {
                exited = true;
                exit_code = status?.code();
                // Whatever the command left running in the background still holds the pipes.
                drop(std::mem::replace(&mut group, Group(None)));
            }
            () = &mut deadline => {
                drop(group);
                let _ = child.wait().await;
                return Ok(BashOutcome {
                    output: String::from_utf8_lossy(&output).into_owned(),
                    exit_code: None,
                    timed_out: true,
                    truncated,
                });
            }
        }
    }
    Ok(BashOutcome {
        output: String::from_utf8_lossy(&output).into_owned(),
        exit_code,
        timed_out: false,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Vec<(String, String)> {
        vec![("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into())]
    }

    #[tokio::test]
    async fn runs_in_cwd_with_a_clean_env_and_caps_output() {
        let dir = std::env::temp_dir();
        let mut chunks = Vec::new();
        let mut on = |_: bool, s: &str| chunks.push(s.to_owned());
        let out = run(
            &dir,
            &env(),
            "pwd; echo \"key=${OPENAI_API_KEY:-none}\"; exit 3",
            DEFAULT_TIMEOUT,
            &mut on,
        )
        .await
        .expect("run");
        assert_eq!(out.exit_code, Some(3));
        assert!(out.output.contains("key=none"), "{}", out.output);
        assert!(!chunks.is_empty());
        let mut on = |_: bool, _: &str| {};
        let big = run(
            &dir,
            &env(),
            "head -c 200000 /dev/zero | tr '\\0' a",
            DEFAULT_TIMEOUT,
            &mut on,
        )
        .await
        .expect("run");
        assert!(big.truncated && big.output.len() == OUTPUT_CAP);
    }

    #[tokio::test]
    async fn a_timeout_kills_the_whole_group() {
        let dir = std::env::temp_dir();
        let mut on = |_: bool, _: &str| {};
        let started = std::time::Instant::now();
        let out = run(
            &dir,
            &env(),
            "sleep 30 & sleep 30",
            Duration::from_millis(300),
            &mut on,
        )
        .await
        .expect("run");
        assert!(out.timed_out);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
