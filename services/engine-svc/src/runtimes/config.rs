//! The runtimes' settings, read from the same layered sources as the rest of the engine's
//! (defaults, `DJB_CONFIG_FILE`, then the environment: `DEPLOYMENT_MODE`, `AGENT_RUNTIME_BIN`, …).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// How runtimes are run (`DEPLOYMENT_MODE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentMode {
    /// The agent-runtime binary as a child process of the engine.
    #[default]
    Process,
    /// A Docker container per runtime.
    Compose,
    /// A Pod per runtime.
    Kubernetes,
}

#[derive(Debug, thiserror::Error)]
pub enum ModeError {
    #[error(
        "DEPLOYMENT_MODE={0} is not available yet: the {0} runtime backend (Docker for `compose`, \
         Kubernetes Pods for `kubernetes`) is not built; it comes with its own issue, after \
         issue 12 (docs/engine/runtimes.md). Use DEPLOYMENT_MODE=process."
    )]
    NotBuilt(&'static str),
}

impl DeploymentMode {
    /// Refuses the modes whose backend does not exist, so a deployment asking for containers
    /// never silently gets child processes instead.
    pub fn check(self) -> Result<(), ModeError> {
        match self {
            Self::Process => Ok(()),
            Self::Compose => Err(ModeError::NotBuilt("compose")),
            Self::Kubernetes => Err(ModeError::NotBuilt("kubernetes")),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RuntimesConfig {
    pub deployment_mode: DeploymentMode,
    /// The agent-runtime program; default: `agent-runtime` next to the engine's executable,
    /// else found on `PATH`.
    pub agent_runtime_bin: Option<PathBuf>,
    /// This replica's id in the registry and its liveness key; default kit's `{hostname}-{pid}`.
    pub engine_instance_id: Option<String>,
    /// Root of all tenant files (`DATA_PATH/tenants/{t}/runs/{run}`).
    pub data_path: PathBuf,
    /// `DJB_REDIS_ACL=0`: no per-run Redis user; runtimes get the engine's own Redis URL.
    pub djb_redis_acl: bool,
    /// The `PATH` a runtime gets (nothing of the engine's own environment is passed on).
    pub runtime_path: String,
    /// `RUST_LOG` of runtimes.
    pub runtime_rust_log: String,
    /// How long the engine waits for a new runtime's `ready`.
    pub runtime_ready_timeout_secs: u64,
    /// How long a command waits for its `busy` before it is sent once more.
    pub runtime_ack_timeout_secs: u64,
    /// SIGTERM to SIGKILL.
    pub runtime_stop_grace_secs: u64,
    /// Entries kept in a run's log stream (`XADD MAXLEN ~`).
    pub runtime_log_maxlen: usize,
    /// Output lines of each runtime kept in the engine's memory.
    pub runtime_log_memory_lines: usize,
    /// Longest output line kept; longer ones are cut.
    pub runtime_log_line_bytes: usize,
    pub reconcile_interval_secs: u64,
    /// How long an ended runtime of this replica is left to the flow that ran it before the
    /// reconciler reports it as vanished.
    pub runtime_vanish_grace_secs: u64,
    pub instance_ttl_secs: u64,
    pub instance_heartbeat_secs: u64,
}

impl Default for RuntimesConfig {
    fn default() -> Self {
        Self {
            deployment_mode: DeploymentMode::Process,
            agent_runtime_bin: None,
            engine_instance_id: None,
            data_path: PathBuf::from(".dev/data"),
            djb_redis_acl: true,
            runtime_path: "/usr/local/bin:/usr/bin:/bin".to_owned(),
            runtime_rust_log: "info".to_owned(),
            runtime_ready_timeout_secs: 30,
            runtime_ack_timeout_secs: 5,
            runtime_stop_grace_secs: 10,
            runtime_log_maxlen: 5000,
            runtime_log_memory_lines: 500,
            runtime_log_line_bytes: 16 * 1024,
            reconcile_interval_secs: 10,
            runtime_vanish_grace_secs: 30,
            instance_ttl_secs: 15,
            instance_heartbeat_secs: 5,
        }
    }
}

impl RuntimesConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        let cfg: Self = kit::config::load()?;
        if cfg.instance_heartbeat_secs == 0 || cfg.instance_heartbeat_secs >= cfg.instance_ttl_secs
        {
            return Err(kit::config::ConfigError::Invalid {
                name: "INSTANCE_HEARTBEAT_SECS",
                reason: "must be at least 1 and shorter than INSTANCE_TTL_SECS".into(),
            });
        }
        Ok(cfg)
    }

    /// The runtime program: the configured one, else `agent-runtime` beside this executable,
    /// else the bare name (looked up on the engine's `PATH` when spawned).
    pub fn runtime_bin(&self) -> PathBuf {
        if let Some(bin) = &self.agent_runtime_bin {
            return bin.clone();
        }
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("agent-runtime")))
            .filter(|candidate| candidate.is_file())
            .unwrap_or_else(|| PathBuf::from("agent-runtime"))
    }

    pub fn instance_id(&self, common: &kit::CommonConfig) -> String {
        self.engine_instance_id
            .clone()
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| common.instance_id().to_owned())
    }

    pub fn ready_timeout(&self) -> Duration {
        Duration::from_secs(self.runtime_ready_timeout_secs)
    }

    pub fn ack_timeout(&self) -> Duration {
        Duration::from_secs(self.runtime_ack_timeout_secs)
    }

    pub fn stop_grace(&self) -> Duration {
        Duration::from_secs(self.runtime_stop_grace_secs)
    }

    pub fn reconcile_interval(&self) -> Duration {
        Duration::from_secs(self.reconcile_interval_secs.max(1))
    }

    pub fn vanish_grace(&self) -> Duration {
        Duration::from_secs(self.runtime_vanish_grace_secs)
    }

    pub fn instance_ttl(&self) -> Duration {
        Duration::from_secs(self.instance_ttl_secs)
    }

    pub fn instance_heartbeat(&self) -> Duration {
        Duration::from_secs(self.instance_heartbeat_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_process_mode_starts() {
        assert!(DeploymentMode::Process.check().is_ok());
        let err = DeploymentMode::Kubernetes
            .check()
            .expect_err("not built")
            .to_string();
        assert!(
            err.contains("kubernetes") && err.contains("its own issue"),
            "{err}"
        );
        assert!(DeploymentMode::Compose.check().is_err());
    }
}
