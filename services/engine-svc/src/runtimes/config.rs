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
    /// `OUTBOUND_ALLOW`, handed to every runtime: the internal addresses provider base URLs may
    /// point at (`127.0.0.1:8090` for a local fake LLM). Empty: none. Checked at start.
    pub outbound_allow: String,
    /// `REDIS_CA_CERT` (the engine's own, kit's setting), handed to every runtime as an absolute
    /// path: runtimes connect to the same Redis, and their working directory is their workspace.
    pub redis_ca_cert: Option<PathBuf>,
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
            outbound_allow: String::new(),
            redis_ca_cert: None,
        }
    }
}

impl RuntimesConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        let mut cfg: Self = kit::config::load()?;
        cfg.check_passed_on()?;
        if cfg.instance_heartbeat_secs == 0 || cfg.instance_heartbeat_secs >= cfg.instance_ttl_secs
        {
            return Err(kit::config::ConfigError::Invalid {
                name: "INSTANCE_HEARTBEAT_SECS",
                reason: "must be at least 1 and shorter than INSTANCE_TTL_SECS".into(),
            });
        }
        Ok(cfg)
    }

    /// Checks what runtimes are handed: a malformed allow-list fails the engine at start rather
    /// than every runtime later; the CA path is made absolute (empty means none).
    fn check_passed_on(&mut self) -> Result<(), kit::config::ConfigError> {
        kit::outbound::AllowList::parse(&self.outbound_allow).map_err(|e| {
            kit::config::ConfigError::Invalid {
                name: "OUTBOUND_ALLOW",
                reason: e.to_string(),
            }
        })?;
        self.redis_ca_cert = match self.redis_ca_cert.take() {
            Some(path) if !path.as_os_str().is_empty() => Some(
                std::path::absolute(&path).map_err(|e| kit::config::ConfigError::Invalid {
                    name: "REDIS_CA_CERT",
                    reason: e.to_string(),
                })?,
            ),
            _ => None,
        };
        Ok(())
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

    #[test]
    fn what_runtimes_are_handed_is_checked_at_start() {
        let mut cfg = RuntimesConfig {
            outbound_allow: "127.0.0.1:8090, [::1]:8090".into(),
            redis_ca_cert: Some(PathBuf::from("certs/redis-ca.pem")),
            ..RuntimesConfig::default()
        };
        cfg.check_passed_on().expect("valid");
        let ca = cfg.redis_ca_cert.clone().expect("ca");
        assert!(
            ca.is_absolute() && ca.ends_with("certs/redis-ca.pem"),
            "{ca:?}"
        );
        cfg.redis_ca_cert = Some(PathBuf::new());
        cfg.check_passed_on().expect("empty is none");
        assert!(cfg.redis_ca_cert.is_none());
        cfg.outbound_allow = "http://10.0.0.1".into();
        let err = cfg.check_passed_on().expect_err("malformed").to_string();
        assert!(err.starts_with("OUTBOUND_ALLOW is invalid"), "{err}");
    }
}
