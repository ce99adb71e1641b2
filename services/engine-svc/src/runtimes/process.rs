//! `DEPLOYMENT_MODE=process`: the agent-runtime binary as a child process of the engine.
//!
//! Each child gets exactly the environment of its spec (`env_clear` first), the run's directory
//! as cwd, no stdin, and a process group of its own, so stopping it reaches every process its
//! tools started: SIGTERM to the group, SIGKILL after the grace period, and the child is always
//! waited for (reaped) by the task that owns it. `kill_on_drop` is the last resort when that
//! task itself is dropped. This isolates nothing beyond the process boundary: see
//! docs/engine/runtimes.md.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use bus::Keys;
use kit::paths::{Area, DataPaths};
use redis::aio::ConnectionManager;
use rustix::process::{Pid, Signal, kill_process_group};
use tokio::process::Command;
use tokio::sync::watch;

use super::logs::LogSink;
use super::{BackendError, BackendKind, ContainerBackend, LogLine, RuntimeHandle, RuntimeSpec};
use super::{RuntimeKind, RuntimeStatus, RuntimesConfig};

/// How long a child's pipes may stay open after it exited (a grandchild that left the group
/// can hold them); its last lines are stored before the exit is reported.
const PIPE_DRAIN: Duration = Duration::from_secs(2);
/// How often a process this engine did not start is looked at while waiting for it.
const FOREIGN_POLL: Duration = Duration::from_millis(200);

struct Child {
    pid: u32,
    handle: RuntimeHandle,
    exit: watch::Receiver<Option<i32>>,
    ring: Arc<Mutex<VecDeque<LogLine>>>,
}

pub struct ProcessBackend {
    bin: PathBuf,
    host: String,
    instance: String,
    paths: DataPaths,
    redis: ConnectionManager,
    keys: Keys,
    log_maxlen: usize,
    ring_len: usize,
    line_bytes: usize,
    children: Mutex<HashMap<String, Child>>,
}

impl ProcessBackend {
    /// `paths` must have an absolute root (the identity check of a process compares its cwd).
    pub fn new(
        config: &RuntimesConfig,
        instance: String,
        paths: DataPaths,
        redis: ConnectionManager,
        keys: Keys,
    ) -> Self {
        Self {
            bin: config.runtime_bin(),
            host: hostname(),
            instance,
            paths,
            redis,
            keys,
            log_maxlen: config.runtime_log_maxlen,
            ring_len: config.runtime_log_memory_lines.max(1),
            line_bytes: config.runtime_log_line_bytes.max(64),
            children: Mutex::new(HashMap::new()),
        }
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    fn child(&self, id: &str) -> Option<(u32, watch::Receiver<Option<i32>>)> {
        let children = self.children.lock().unwrap_or_else(PoisonError::into_inner);
        children.get(id).map(|c| (c.pid, c.exit.clone()))
    }

    /// A process another engine instance started on this host (it died, its children live on):
    /// its pid, if that pid is still the runtime of this run, judged by its working directory
    /// (pids are reused; a run's directory is not shared).
    fn foreign_pid(&self, handle: &RuntimeHandle) -> Result<Option<u32>, BackendError> {
        let (host, pid) = parse_id(&handle.id)?;
        if host != self.host {
            return Err(BackendError::Unreachable(handle.id.clone()));
        }
        let workspace = self
            .paths
            .base(handle.tenant.as_str(), Area::Runs, handle.run.as_str())
            .map_err(|e| BackendError::Env(e.to_string()))?;
        // The kernel reports the resolved path; DATA_PATH may go through a symlink.
        let workspace = std::fs::canonicalize(&workspace).unwrap_or(workspace);
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
        let alive = cwd.is_some_and(|cwd| cwd == workspace) && !is_zombie(pid);
        Ok(alive.then_some(pid))
    }
}

#[async_trait]
impl ContainerBackend for ProcessBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Process
    }

    async fn create(&self, spec: &RuntimeSpec) -> Result<RuntimeHandle, BackendError> {
        let meta = std::fs::symlink_metadata(&spec.workspace)?;
        if !meta.is_dir() {
            return Err(BackendError::Start(
                "the run directory is not a directory".into(),
            ));
        }
        let mut child = Command::new(&self.bin)
            .env_clear()
            .envs(&spec.env)
            .current_dir(&spec.workspace)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| BackendError::Start(format!("{}: {e}", self.bin.display())))?;
        let pid = child
            .id()
            .ok_or_else(|| BackendError::Start("the runtime exited at once".into()))?;
        let ring = Arc::new(Mutex::new(VecDeque::with_capacity(self.ring_len)));
        let sink = LogSink {
            redis: self.redis.clone(),
            stream: self.keys.run_logs(&spec.tenant, &spec.run),
            maxlen: self.log_maxlen,
            ring: ring.clone(),
            ring_len: self.ring_len,
            line_bytes: self.line_bytes,
            step: match &spec.kind {
                RuntimeKind::PipelineStep { step_id, attempt } => Some((step_id.clone(), *attempt)),
                RuntimeKind::ChatSession { .. } => None,
            },
        };
        let mut pumps = Vec::new();
        if let Some(out) = child.stdout.take() {
            pumps.push(tokio::spawn(sink.clone().pump(out, "stdout")));
        }
        if let Some(err) = child.stderr.take() {
            pumps.push(tokio::spawn(sink.pump(err, "stderr")));
        }
        let (tx, rx) = watch::channel(None);
        tokio::spawn(async move {
            // This task owns the child: it is reaped here, whatever ends it.
            let code = match child.wait().await {
                Ok(status) => exit_code(status),
                Err(err) => {
                    tracing::error!(pid, error = %err, "waiting for a runtime failed");
                    -1
                }
            };
            // Whatever the runtime's tools left behind in its group goes with it.
            signal_group(pid, Signal::KILL);
            for mut pump in pumps {
                if tokio::time::timeout(PIPE_DRAIN, &mut pump).await.is_err() {
                    pump.abort();
                }
            }
            let _ = tx.send(Some(code));
        });
        let handle = RuntimeHandle {
            id: format!("{}:{pid}", self.host),
            backend: BackendKind::Process,
            tenant: spec.tenant.clone(),
            run: spec.run.clone(),
        };
        self.children
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                handle.id.clone(),
                Child {
                    pid,
                    handle: handle.clone(),
                    exit: rx,
                    ring,
                },
            );
        tracing::info!(run = %spec.run, tenant = %spec.tenant, pid, "runtime process started");
        Ok(handle)
    }

    async fn stop(
        &self,
        handle: &RuntimeHandle,
        grace: Duration,
    ) -> Result<RuntimeStatus, BackendError> {
        if let Some((pid, mut exit)) = self.child(&handle.id) {
            if let Some(code) = *exit.borrow() {
                return Ok(RuntimeStatus::Exited(code));
            }
            signal_group(pid, Signal::TERM);
            if tokio::time::timeout(grace, exit.wait_for(Option::is_some))
                .await
                .is_err()
            {
                tracing::warn!(pid, run = %handle.run, "runtime ignored SIGTERM; killing its group");
                signal_group(pid, Signal::KILL);
            }
            let code = exit
                .wait_for(Option::is_some)
                .await
                .map(|code| code.unwrap_or(-1))
                .unwrap_or(-1);
            return Ok(RuntimeStatus::Exited(code));
        }
        let Some(pid) = self.foreign_pid(handle)? else {
            return Ok(RuntimeStatus::Gone);
        };
        // Not our child: its parent died and init reaps it; we only signal and watch.
        signal_group(pid, Signal::TERM);
        if !wait_foreign(self, handle, grace).await? {
            signal_group(pid, Signal::KILL);
            wait_foreign(self, handle, grace).await?;
        }
        Ok(RuntimeStatus::Gone)
    }

    async fn status(&self, handle: &RuntimeHandle) -> Result<RuntimeStatus, BackendError> {
        if let Some((_, exit)) = self.child(&handle.id) {
            return Ok(match *exit.borrow() {
                Some(code) => RuntimeStatus::Exited(code),
                None => RuntimeStatus::Running,
            });
        }
        Ok(match self.foreign_pid(handle)? {
            Some(_) => RuntimeStatus::Running,
            None => RuntimeStatus::Gone,
        })
    }

    async fn wait(&self, handle: &RuntimeHandle) -> Result<RuntimeStatus, BackendError> {
        if let Some((_, mut exit)) = self.child(&handle.id) {
            let code = exit
                .wait_for(Option::is_some)
                .await
                .map(|code| code.unwrap_or(-1))
                .unwrap_or(-1);
            return Ok(RuntimeStatus::Exited(code));
        }
        while self.foreign_pid(handle)?.is_some() {
            tokio::time::sleep(FOREIGN_POLL).await;
        }
        Ok(RuntimeStatus::Gone)
    }

    async fn list(&self, owner: &str) -> Result<Vec<RuntimeHandle>, BackendError> {
        if owner != self.instance {
            return Ok(Vec::new());
        }
        let children = self.children.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(children
            .values()
            .filter(|child| child.exit.borrow().is_none())
            .map(|child| child.handle.clone())
            .collect())
    }

    async fn logs(
        &self,
        handle: &RuntimeHandle,
        tail: usize,
    ) -> Result<Vec<LogLine>, BackendError> {
        let ring = {
            let children = self.children.lock().unwrap_or_else(PoisonError::into_inner);
            children.get(&handle.id).map(|c| c.ring.clone())
        };
        Ok(ring.map_or_else(Vec::new, |ring| LogSink::tail(&ring, tail)))
    }

    async fn forget(&self, handle: &RuntimeHandle) {
        let mut children = self.children.lock().unwrap_or_else(PoisonError::into_inner);
        if children
            .get(&handle.id)
            .is_some_and(|c| c.exit.borrow().is_some())
        {
            children.remove(&handle.id);
        }
    }
}

/// `true` once the foreign process is gone, `false` when `grace` ran out first.
async fn wait_foreign(
    backend: &ProcessBackend,
    handle: &RuntimeHandle,
    grace: Duration,
) -> Result<bool, BackendError> {
    let deadline = tokio::time::Instant::now() + grace;
    while backend.foreign_pid(handle)?.is_some() {
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(FOREIGN_POLL).await;
    }
    Ok(true)
}

/// Signals every process of the group `pid` leads. Never pid 0 or 1 (`kill(-1)` would reach
/// every process we may signal). A group already gone is fine.
fn signal_group(pid: u32, signal: Signal) {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .filter(|p| *p > 1)
        .and_then(Pid::from_raw)
    else {
        return;
    };
    if let Err(err) = kill_process_group(pid, signal)
        && err != rustix::io::Errno::SRCH
    {
        tracing::warn!(pid = pid.as_raw_nonzero().get(), error = %err, "signalling a runtime failed");
    }
}

fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1)
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // `pid (comm) S …`: the state follows the last `)` (comm may hold spaces).
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next())
        })
        .is_none_or(|state| state == 'Z' || state == 'X')
}

fn parse_id(id: &str) -> Result<(&str, u32), BackendError> {
    id.rsplit_once(':')
        .and_then(|(host, pid)| pid.parse().ok().map(|pid| (host, pid)))
        .ok_or_else(|| BackendError::Unreachable(id.to_owned()))
}

pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
