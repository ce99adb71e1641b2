//! project-svc's own settings, read from the same layered sources as kit's.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectConfig {
    /// The built-in project templates (`project-templates/<slug>.yml`), loaded at every start.
    #[serde(default = "default_templates_dir")]
    pub project_templates_dir: PathBuf,
    /// agent-svc, asked which agent a slug in a path names (`AGENT_SVC_URL`).
    #[serde(default = "default_agent_svc_url")]
    pub agent_svc_url: String,
}

fn default_templates_dir() -> PathBuf {
    PathBuf::from("project-templates")
}

fn default_agent_svc_url() -> String {
    "http://127.0.0.1:8030".to_owned()
}

impl ProjectConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        kit::config::load()
    }
}
