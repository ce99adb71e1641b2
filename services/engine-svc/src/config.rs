//! engine-svc's own settings on top of kit's common ones, read from the same layered sources
//! (defaults, `DJB_CONFIG_FILE`, then the environment).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EngineConfig {
    /// `PIPELINES_DIR`: the global pipelines (`*.yml`), seeded at every start (default
    /// `pipelines`, relative to the working directory).
    #[serde(default)]
    pub pipelines_dir: Option<PathBuf>,
    /// `PIPELINE_CACHE_TTL_SECS`: how long a parsed pipeline stays in Redis (default 300).
    #[serde(default)]
    pub pipeline_cache_ttl_secs: Option<u64>,
}

impl EngineConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        kit::config::load()
    }

    pub fn pipelines_dir(&self) -> PathBuf {
        self.pipelines_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("pipelines"))
    }

    pub fn pipeline_cache_ttl(&self) -> Duration {
        Duration::from_secs(self.pipeline_cache_ttl_secs.unwrap_or(300).max(1))
    }
}
