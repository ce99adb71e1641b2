//! project-svc's own settings, read from the same layered sources as kit's.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectConfig {
    /// The built-in project templates (`project-templates/<slug>.yml`), loaded at every start.
    #[serde(default = "default_templates_dir")]
    pub project_templates_dir: PathBuf,
}

fn default_templates_dir() -> PathBuf {
    PathBuf::from("project-templates")
}

impl ProjectConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        kit::config::load()
    }
}
