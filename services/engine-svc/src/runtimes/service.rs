//! [`Runtimes`]: what the engine's flows call to start and stop a run's runtime. It owns the
//! order of things: registry entry first (`starting`, so a crash mid-start leaves a trace), the
//! run's Redis user, the environment, the backend, then the entry's container id; and on the
//! way out the backend, the entry and the Redis user.

use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use bus::Keys;
use kit::db::Db;
use kit::paths::{Area, DataPaths, PathError};
use redis::aio::ConnectionManager;
use shared_schemas::ids::{AgentId, RunId, TenantId};
use tokio_util::sync::CancellationToken;

use super::env::{EnvInput, runtime_env, with_credentials};
use super::handles::{old_handle, process_pid};
use super::instance::Liveness;
use super::process::ProcessBackend;
use super::registry::{Entry, Registry, status};
use super::{BackendError, ContainerBackend, RuntimeHandle, RuntimeKind};
use super::{RuntimeSpec, RuntimeStatus, RuntimesConfig, now_ms};

/// What a flow asks for; [`Runtimes::start`] adds the workspace and the engine's variables.
#[derive(Clone)]
pub struct StartRuntime {
    pub tenant: TenantId,
    pub run: RunId,
    pub agent: AgentId,
    pub kind: RuntimeKind,
    /// `AGENT_MODEL`.
    pub model: Option<String>,
    /// Provider keys the run resolved, the agent token, `DJINNBOT_API_URL`, … (see
    /// [`super::env::EnvInput::extra`]).
    pub env: BTreeMap<String, String>,
    pub memory_limit_bytes: Option<u64>,
    pub cpu_millis: Option<u32>,
    pub image: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("this engine instance is shutting down and starts no runtime")]
    Draining,
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Bus(#[from] bus::BusError),
}

/// The pieces [`Runtimes`] is built from (a `Platform` gives them in production).
pub struct RuntimesParts {
    pub config: RuntimesConfig,
    pub instance: String,
    pub redis: ConnectionManager,
    /// The engine's own Redis URL: the runtime gets it with its run user's credentials.
    pub redis_url: String,
    /// For the sessions' own connections (a blocking XREAD holds the connection it is sent on).
    pub client: redis::Client,
    pub keys: Keys,
    pub db: Db,
}

pub struct Runtimes {
    pub(crate) backend: Arc<dyn ContainerBackend>,
    pub(crate) registry: Registry,
    pub(crate) liveness: Liveness,
    pub(crate) redis: ConnectionManager,
    redis_url: String,
    pub(crate) client: redis::Client,
    pub(crate) keys: Keys,
    pub(crate) db: Db,
    paths: DataPaths,
    pub(crate) config: RuntimesConfig,
    pub(crate) draining: CancellationToken,
    pub(crate) active: Mutex<HashMap<RunId, RuntimeHandle>>,
}

impl Runtimes {
    /// The process backend (the only one built; `DEPLOYMENT_MODE` is checked at start-up).
    pub fn new(parts: RuntimesParts) -> Arc<Self> {
        // Absolute, so a runtime's cwd can be compared with its run's directory.
        let root = std::path::absolute(&parts.config.data_path)
            .unwrap_or_else(|_| parts.config.data_path.clone());
        let paths = DataPaths::new(root);
        let backend = Arc::new(ProcessBackend::new(
            &parts.config,
            parts.instance.clone(),
            paths.clone(),
            parts.redis.clone(),
            parts.keys.clone(),
        ));
        Self::with_backend(parts, paths, backend)
    }

    pub fn with_backend(
        parts: RuntimesParts,
        paths: DataPaths,
        backend: Arc<dyn ContainerBackend>,
    ) -> Arc<Self> {
        Arc::new(Self {
            backend,
            registry: Registry::new(parts.redis.clone(), parts.keys.clone()),
            liveness: Liveness::new(
                parts.redis.clone(),
                parts.keys.clone(),
                parts.instance,
                parts.config.instance_ttl(),
            ),
            redis: parts.redis,
            redis_url: parts.redis_url,
            client: parts.client,
            keys: parts.keys,
            db: parts.db,
            paths,
            config: parts.config,
            draining: CancellationToken::new(),
            active: Mutex::new(HashMap::new()),
        })
    }

    pub fn instance_id(&self) -> &str {
        self.liveness.instance()
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn liveness(&self) -> &Liveness {
        &self.liveness
    }

    pub fn backend(&self) -> &Arc<dyn ContainerBackend> {
        &self.backend
    }

    pub fn config(&self) -> &RuntimesConfig {
        &self.config
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn is_draining(&self) -> bool {
        self.draining.is_cancelled()
    }

    /// `DATA_PATH/tenants/{t}/runs/{run}`.
    pub fn workspace(&self, tenant: &TenantId, run: &RunId) -> Result<PathBuf, PathError> {
        self.paths.base(tenant.as_str(), Area::Runs, run.as_str())
    }

    /// The handle of the runtime this instance runs for `run`.
    pub fn handle(&self, run: &RunId) -> Option<RuntimeHandle> {
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(run)
            .cloned()
    }

    /// How many runtimes this instance runs now.
    pub fn active_count(&self) -> usize {
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Starts `req.run`'s runtime, replacing one this or a dead instance left for the run (the
    /// caller holds the run's lease, so no live owner can be running it).
    pub async fn start(self: &Arc<Self>, req: StartRuntime) -> Result<RuntimeHandle, RuntimeError> {
        if self.is_draining() {
            return Err(RuntimeError::Draining);
        }
        if let Some(old) = self.registry.get(&req.run).await? {
            tracing::info!(run = %req.run, owner = %old.instance, "replacing the run's previous runtime");
            self.stop(&req.run).await?;
            if let Some(handle) = old_handle(&old)
                && let Err(err) = self.backend.stop(&handle, self.config.stop_grace()).await
            {
                tracing::warn!(run = %req.run, error = %err, "the previous runtime could not be stopped here");
            }
            self.drop_run_user(&req.run).await;
        }
        let workspace = self.workspace(&req.tenant, &req.run)?;
        prepare_workspace(&workspace)?;
        let (step_id, attempt, session_id) = match &req.kind {
            RuntimeKind::PipelineStep { step_id, attempt } => {
                (Some(step_id.clone()), Some(*attempt), None)
            }
            RuntimeKind::ChatSession { session_id } => (None, None, Some(session_id.clone())),
        };
        let entry = Entry {
            run: req.run.clone(),
            tenant: req.tenant.clone(),
            agent: req.agent.clone(),
            container_id: String::new(),
            backend: self.backend.kind().as_str().to_owned(),
            status: status::STARTING.to_owned(),
            instance: self.instance_id().to_owned(),
            pid: None,
            created_at: now_ms(),
            step_id,
            attempt,
            session_id,
            exit_code: None,
            exited_at: None,
            last_stream_id: None,
            reaper: None,
        };
        self.registry.put(&entry).await?;
        match self.launch(&req, workspace).await {
            Ok(handle) => Ok(handle),
            Err(err) => {
                self.drop_run_user(&req.run).await;
                self.registry
                    .delete_if_owner(&req.run, self.instance_id())
                    .await?;
                Err(err)
            }
        }
    }

    async fn launch(
        self: &Arc<Self>,
        req: &StartRuntime,
        workspace: PathBuf,
    ) -> Result<RuntimeHandle, RuntimeError> {
        let redis_url = if self.config.djb_redis_acl {
            let (user, password) = bus::acl::create_run_user(
                &mut self.redis.clone(),
                &self.keys,
                &req.tenant,
                &req.run,
            )
            .await?;
            with_credentials(&self.redis_url, &user, &password)?
        } else {
            // DJB_REDIS_ACL=0: no users exist; the runtime shares the engine's (documented).
            self.redis_url.clone()
        };
        let env = runtime_env(&EnvInput {
            tenant: &req.tenant,
            run: &req.run,
            agent: &req.agent,
            redis_url: &redis_url,
            redis_prefix: self.keys.prefix(),
            workspace: &workspace,
            path: &self.config.runtime_path,
            rust_log: &self.config.runtime_rust_log,
            model: req.model.as_deref(),
            outbound_allow: &self.config.outbound_allow,
            redis_ca_cert: self.config.redis_ca_cert.as_deref(),
            extra: &req.env,
        })?;
        let spec = RuntimeSpec {
            tenant: req.tenant.clone(),
            run: req.run.clone(),
            agent: req.agent.clone(),
            kind: req.kind.clone(),
            workspace,
            env,
            memory_limit_bytes: req.memory_limit_bytes,
            cpu_millis: req.cpu_millis,
            image: req.image.clone(),
        };
        let handle = self.backend.create(&spec).await?;
        let mut fields = vec![
            ("containerId", handle.id.clone()),
            ("status", status::RUNNING.to_owned()),
        ];
        if let Some(pid) = process_pid(&handle) {
            fields.push(("pid", pid.to_string()));
        }
        self.registry
            .set_if_owner(&req.run, self.instance_id(), &fields)
            .await?;
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(req.run.clone(), handle.clone());
        self.watch(handle.clone());
        Ok(handle)
    }

    /// When the runtime ends by itself: its entry says so (the flow or the reconciler decides
    /// what happens to the step) and its Redis user goes.
    fn watch(self: &Arc<Self>, handle: RuntimeHandle) {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let ended = this.backend.wait(&handle).await;
            let code = match ended {
                Ok(RuntimeStatus::Exited(code)) => code,
                Ok(_) => -1,
                Err(err) => {
                    tracing::warn!(run = %handle.run, error = %err, "lost sight of a runtime");
                    -1
                }
            };
            let still_ours = this.handle(&handle.run).is_some_and(|h| h.id == handle.id);
            if still_ours {
                let fields = [
                    ("status", status::EXITED.to_owned()),
                    ("exitCode", code.to_string()),
                    ("exitedAt", now_ms().to_string()),
                ];
                if let Err(err) = this
                    .registry
                    .set_if_owner(&handle.run, this.instance_id(), &fields)
                    .await
                {
                    tracing::warn!(run = %handle.run, error = %err, "could not record a runtime's exit");
                }
                this.drop_run_user(&handle.run).await;
            }
            tracing::info!(run = %handle.run, code, "runtime ended");
        });
    }

    /// The status of `run`'s runtime on this instance (`None`: it runs none).
    pub async fn status(&self, run: &RunId) -> Result<Option<RuntimeStatus>, RuntimeError> {
        match self.handle(run) {
            Some(handle) => Ok(Some(self.backend.status(&handle).await?)),
            None => Ok(None),
        }
    }

    /// Stops `run`'s runtime (graceful, then forced after the configured grace) and forgets it:
    /// the registry entry, the Redis user and the backend's memory of it. `None` when this
    /// instance ran none.
    pub async fn stop(&self, run: &RunId) -> Result<Option<RuntimeStatus>, RuntimeError> {
        let Some(handle) = self.handle(run) else {
            return Ok(None);
        };
        let ended = self.backend.stop(&handle, self.config.stop_grace()).await?;
        self.forget(&handle).await?;
        Ok(Some(ended))
    }

    /// Drops everything kept about an ended runtime of this instance.
    pub(crate) async fn forget(&self, handle: &RuntimeHandle) -> Result<(), RuntimeError> {
        self.registry
            .delete_if_owner(&handle.run, self.instance_id())
            .await?;
        self.drop_run_user(&handle.run).await;
        self.backend.forget(handle).await;
        let mut active = self.active.lock().unwrap_or_else(PoisonError::into_inner);
        if active.get(&handle.run).is_some_and(|h| h.id == handle.id) {
            active.remove(&handle.run);
        }
        Ok(())
    }

    /// Deletes the run's Redis user (Redis closes its connections). Failing here is logged: the
    /// reconciler's next pass tries again for entries it cleans.
    pub(crate) async fn drop_run_user(&self, run: &RunId) {
        if !self.config.djb_redis_acl {
            return;
        }
        if let Err(err) = bus::acl::delete_run_user(&mut self.redis.clone(), &self.keys, run).await
        {
            tracing::warn!(run = %run, error = %err, "could not delete a run's Redis user");
        }
    }

    pub(crate) fn handles(&self) -> Vec<RuntimeHandle> {
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }
}

/// Creates the run's directory (and missing parents) with mode 0700; refuses a symlink or a
/// file in its place.
fn prepare_workspace(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Err(std::io::Error::other(
            "the run directory is not a directory",
        ));
    }
    Ok(())
}
