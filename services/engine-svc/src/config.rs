//! engine-svc's own settings on top of kit's common ones, read from the same layered sources
//! (defaults, `DJB_CONFIG_FILE`, then the environment).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct EngineConfig {
    /// `PIPELINES_DIR`: the global pipelines (`*.yml`), seeded at every start (default
    /// `pipelines`, relative to the working directory).
    #[serde(default)]
    pub pipelines_dir: Option<PathBuf>,
    /// `PIPELINE_CACHE_TTL_SECS`: how long a parsed pipeline stays in Redis (default 300).
    #[serde(default)]
    pub pipeline_cache_ttl_secs: Option<u64>,
    /// agent-svc: pipeline agent slugs resolve to the tenant's agents there, and the tenant's
    /// `maxRunningRuns` setting is read there (`AGENT_SVC_URL`).
    #[serde(default = "default_agent_svc_url")]
    pub agent_svc_url: String,
    /// project-svc, told when a task's run ends and given a planning run's tasks
    /// (`PROJECT_SVC_URL`).
    #[serde(default = "default_project_svc_url")]
    pub project_svc_url: String,
    /// The most running runs any tenant may have, whatever its setting (`MAX_RUNNING_RUNS_CAP`).
    #[serde(default = "default_running_cap")]
    pub max_running_runs_cap: i64,
    /// Limit used when agent-svc cannot be asked (`DEFAULT_MAX_RUNNING_RUNS`).
    #[serde(default = "default_running_runs")]
    pub default_max_running_runs: i64,
    /// How long a run slot lasts unless renewed (`RUN_SLOT_LEASE_SECS`): a slot whose run ended
    /// without giving it back (a replica died) is free again after this.
    #[serde(default = "default_slot_lease")]
    pub run_slot_lease_secs: u64,
    /// How often the admission sweep renews slots and starts queued runs (`RUN_SWEEP_SECS`).
    #[serde(default = "default_sweep")]
    pub run_sweep_secs: u64,
    /// `DJINNBOT_API_URL`: where a runtime reaches the platform's API (HAProxy), handed to it.
    #[serde(default)]
    pub djinnbot_api_url: Option<String>,
    /// `RUNTIME_AGENT_SVC_URL`: where a runtime reaches agent-svc's internal API directly (it
    /// records its LLM calls there; HAProxy refuses `/v1/internal`), handed to it as
    /// `AGENT_SVC_URL`. Default: `AGENT_SVC_URL`, right when runtimes run beside the engine.
    #[serde(default)]
    pub runtime_agent_svc_url: Option<String>,
    /// `RUNTIME_MEMORY_SVC_URL` (default `MEMORY_SVC_URL`) and `RUNTIME_PROJECT_SVC_URL` (default
    /// `PROJECT_SVC_URL`): memory-svc and project-svc as a runtime reaches them, for its memory
    /// and task tools (`MEMORY_SVC_URL`, `PROJECT_SVC_URL` in its environment).
    #[serde(default)]
    pub runtime_memory_svc_url: Option<String>,
    #[serde(default = "default_memory_svc_url")]
    pub memory_svc_url: String,
    #[serde(default)]
    pub runtime_project_svc_url: Option<String>,
    /// `MAX_CONCURRENT_STEPS`: step attempts one replica runs at once (default 16); the next
    /// queued step waits on the stream for a free place (or for another replica).
    #[serde(default)]
    pub max_concurrent_steps: Option<usize>,
    /// `DATA_PATH`: the root of tenant files, read by the workspace routes (the runtimes'
    /// settings read the same variable; default `.dev/data`).
    #[serde(default)]
    pub data_path: Option<PathBuf>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            pipelines_dir: None,
            pipeline_cache_ttl_secs: None,
            agent_svc_url: default_agent_svc_url(),
            project_svc_url: default_project_svc_url(),
            max_running_runs_cap: default_running_cap(),
            default_max_running_runs: default_running_runs(),
            run_slot_lease_secs: default_slot_lease(),
            run_sweep_secs: default_sweep(),
            djinnbot_api_url: None,
            runtime_agent_svc_url: None,
            runtime_memory_svc_url: None,
            memory_svc_url: default_memory_svc_url(),
            runtime_project_svc_url: None,
            max_concurrent_steps: None,
            data_path: None,
        }
    }
}

fn default_agent_svc_url() -> String {
    "http://127.0.0.1:8030".to_owned()
}

fn default_project_svc_url() -> String {
    "http://127.0.0.1:8020".to_owned()
}

fn default_memory_svc_url() -> String {
    "http://127.0.0.1:8050".to_owned()
}

fn default_running_cap() -> i64 {
    100
}

fn default_running_runs() -> i64 {
    5
}

fn default_slot_lease() -> u64 {
    120
}

fn default_sweep() -> u64 {
    10
}

impl EngineConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        let config: Self = kit::config::load()?;
        config.check()?;
        Ok(config)
    }

    /// Limits of 0 would start nothing, a lease of 0 would free every slot at once: typos,
    /// refused at start.
    pub fn check(&self) -> Result<(), kit::config::ConfigError> {
        let bad = |name: &'static str| kit::config::ConfigError::Invalid {
            name,
            reason: "must be at least 1".to_owned(),
        };
        if self.max_running_runs_cap < 1 {
            return Err(bad("MAX_RUNNING_RUNS_CAP"));
        }
        if self.default_max_running_runs < 1 {
            return Err(bad("DEFAULT_MAX_RUNNING_RUNS"));
        }
        if self.run_slot_lease_secs < 1 {
            return Err(bad("RUN_SLOT_LEASE_SECS"));
        }
        if self.run_sweep_secs < 1 {
            return Err(bad("RUN_SWEEP_SECS"));
        }
        Ok(())
    }

    pub fn api_url(&self) -> String {
        self.djinnbot_api_url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:8000".to_owned())
    }

    pub fn runtime_agent_svc_url(&self) -> String {
        self.runtime_agent_svc_url
            .clone()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| self.agent_svc_url.clone())
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn runtime_memory_svc_url(&self) -> String {
        self.runtime_memory_svc_url
            .clone()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| self.memory_svc_url.clone())
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn runtime_project_svc_url(&self) -> String {
        self.runtime_project_svc_url
            .clone()
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| self.project_svc_url.clone())
            .trim_end_matches('/')
            .to_owned()
    }

    pub fn max_concurrent_steps(&self) -> usize {
        self.max_concurrent_steps.unwrap_or(16).max(1)
    }

    /// Where run and project workspaces live (`DATA_PATH/tenants/{t}/…`), made absolute as the
    /// runtimes make it, so both sides name the same directories.
    pub fn data_paths(&self) -> kit::paths::DataPaths {
        let root = self
            .data_path
            .clone()
            .unwrap_or_else(|| PathBuf::from(".dev/data"));
        kit::paths::DataPaths::new(std::path::absolute(&root).unwrap_or(root))
    }

    pub fn pipelines_dir(&self) -> PathBuf {
        self.pipelines_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("pipelines"))
    }

    pub fn pipeline_cache_ttl(&self) -> Duration {
        Duration::from_secs(self.pipeline_cache_ttl_secs.unwrap_or(300).max(1))
    }

    /// The limit for a tenant whose setting is `setting`.
    pub fn running_limit(&self, setting: Option<i64>) -> i64 {
        setting
            .unwrap_or(self.default_max_running_runs)
            .clamp(1, self.max_running_runs_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_get_the_service_urls_or_their_runtime_overrides() {
        let mut cfg = EngineConfig::default();
        assert_eq!(cfg.runtime_memory_svc_url(), "http://127.0.0.1:8050");
        assert_eq!(cfg.runtime_project_svc_url(), "http://127.0.0.1:8020");
        cfg.runtime_memory_svc_url = Some("http://memory-svc:8050/".into());
        cfg.runtime_project_svc_url = Some(" ".into());
        cfg.project_svc_url = "http://project-svc:8020".into();
        assert_eq!(cfg.runtime_memory_svc_url(), "http://memory-svc:8050");
        assert_eq!(cfg.runtime_project_svc_url(), "http://project-svc:8020");
    }
}
