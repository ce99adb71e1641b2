//! project-svc's own settings, read from the same layered sources as kit's.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectConfig {
    /// Where engine-svc answers (in-cluster HTTP, never through HAProxy).
    #[serde(default = "default_engine_url")]
    pub engine_svc_url: String,
    /// Bound on one call to engine-svc; below the request timeout.
    #[serde(default = "default_engine_timeout")]
    pub engine_timeout_secs: u64,
    /// The built-in project templates (`project-templates/<slug>.yml`), loaded at every start.
    #[serde(default = "default_templates_dir")]
    pub project_templates_dir: PathBuf,
}

fn default_engine_url() -> String {
    "http://127.0.0.1:8060".to_owned()
}
fn default_engine_timeout() -> u64 {
    10
}
fn default_templates_dir() -> PathBuf {
    PathBuf::from("project-templates")
}

impl ProjectConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        kit::config::load()
    }
}
