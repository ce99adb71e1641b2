//! Agent runtimes: where a run's steps execute (ARCHITECTURE §6, spec §3.8.3).
//!
//! - [`ContainerBackend`]: starts, stops and watches one runtime; [`process::ProcessBackend`] runs
//!   the agent-runtime binary as a child process (`DEPLOYMENT_MODE=process`). Docker and
//!   Kubernetes backends implement the same trait in their own issues.
//! - [`Runtimes`] ([`service`]): what flows call. It makes the run's Redis user, builds the
//!   runtime's environment ([`env`]), starts it through the backend, records it in the registry
//!   ([`registry`]) and cleans up when it ends; [`Runtimes::drain`] serves SIGTERM.
//! - [`instance`]: this replica's liveness key; [`reconcile`]: the pass that stops and forgets
//!   runtimes nobody owns any more and reports the ones that vanished under a running step.
//! - [`session`]: the engine's side of the runtime protocol.
//!
//! Every Redis name comes from `bus::keys`; every file path from `kit::paths::DataPaths`.

pub mod config;
mod drain;
pub mod env;
mod handles;
pub mod instance;
pub mod logs;
pub mod process;
pub mod reconcile;
pub mod registry;
pub mod service;
pub mod session;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use shared_schemas::ids::{AgentId, RunId, TenantId};

pub use config::{DeploymentMode, RuntimesConfig};
pub use service::Runtimes;

/// What a runtime is started for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeKind {
    /// One attempt of one pipeline step; the registry keeps both so a vanished runtime can be
    /// traced to the attempt that must be retried or failed.
    PipelineStep { step_id: String, attempt: i32 },
    /// A chat session's runtime (`flows::chat`): alive while the replica that started it holds
    /// the session's lease; each start gets a fresh run id, kept in the session's driver state.
    ChatSession { session_id: String },
}

/// Everything a backend needs to start one runtime.
#[derive(Clone)]
pub struct RuntimeSpec {
    pub tenant: TenantId,
    pub run: RunId,
    pub agent: AgentId,
    pub kind: RuntimeKind,
    /// The run's directory (`DATA_PATH/tenants/{t}/runs/{run}`): cwd and HOME of the runtime.
    pub workspace: PathBuf,
    /// The complete environment (see [`env::runtime_env`]); backends add nothing to it.
    pub env: BTreeMap<String, String>,
    pub memory_limit_bytes: Option<u64>,
    /// CPU limit in thousandths of a core (Kubernetes `500m` = 500).
    pub cpu_millis: Option<u32>,
    /// Container image (Docker, Kubernetes); the process backend runs its configured binary.
    pub image: Option<String>,
}

impl fmt::Debug for RuntimeSpec {
    // The environment holds provider keys and the run's Redis password: names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeSpec")
            .field("tenant", &self.tenant)
            .field("run", &self.run)
            .field("agent", &self.agent)
            .field("kind", &self.kind)
            .field("workspace", &self.workspace)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("memory_limit_bytes", &self.memory_limit_bytes)
            .field("cpu_millis", &self.cpu_millis)
            .field("image", &self.image)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Process,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Process => "process",
        }
    }
}

/// A started runtime. `id` is the backend's name for it (a container id, a Pod name; for a
/// process `{host}:{pid}`), stored in the registry as `containerId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeHandle {
    pub id: String,
    pub backend: BackendKind,
    pub tenant: TenantId,
    pub run: RunId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeStatus {
    Running,
    /// Ended with this code (killed by a signal: 128 + the signal, as shells report it).
    Exited(i32),
    /// The backend knows nothing of it (another host's process, a deleted container).
    Gone,
}

impl RuntimeStatus {
    pub fn is_running(self) -> bool {
        self == Self::Running
    }
}

/// One line of a runtime's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub line: String,
    /// `stdout` or `stderr`.
    pub stream: &'static str,
    pub ts: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("the runtime could not be started: {0}")]
    Start(String),
    #[error("the runtime's environment is invalid: {0}")]
    Env(String),
    #[error("this backend cannot reach runtime {0}")]
    Unreachable(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Bus(#[from] bus::BusError),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

/// One way of running agent runtimes (A§6). Object safe: the engine holds an
/// `Arc<dyn ContainerBackend>` chosen by `DEPLOYMENT_MODE`.
#[async_trait]
pub trait ContainerBackend: Send + Sync {
    fn kind(&self) -> BackendKind;

    /// Creates and starts a runtime.
    async fn create(&self, spec: &RuntimeSpec) -> Result<RuntimeHandle, BackendError>;

    /// Asks the runtime to stop (SIGTERM, `docker stop`, Pod deletion with a grace period) and
    /// forces it after `grace`; returns how it ended.
    async fn stop(
        &self,
        handle: &RuntimeHandle,
        grace: Duration,
    ) -> Result<RuntimeStatus, BackendError>;

    async fn status(&self, handle: &RuntimeHandle) -> Result<RuntimeStatus, BackendError>;

    /// Returns once the runtime is no longer running.
    async fn wait(&self, handle: &RuntimeHandle) -> Result<RuntimeStatus, BackendError>;

    /// The runtimes `owner` (an engine instance id) started that are still running.
    async fn list(&self, owner: &str) -> Result<Vec<RuntimeHandle>, BackendError>;

    /// The last `tail` lines of output still held by the backend.
    async fn logs(&self, handle: &RuntimeHandle, tail: usize)
    -> Result<Vec<LogLine>, BackendError>;

    /// Lets go of what the backend keeps about an ended runtime (its recent log lines).
    async fn forget(&self, handle: &RuntimeHandle);
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}
