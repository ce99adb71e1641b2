//! project-svc's own settings, read from the same layered sources as kit's.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectConfig {
    /// The built-in project templates (`project-templates/<slug>.yml`), loaded at every start.
    #[serde(default = "default_templates_dir")]
    pub project_templates_dir: PathBuf,
    /// agent-svc (`AGENT_SVC_URL`): asked which agent a slug in a path names, and the chat API
    /// that answers onboarding conversations.
    #[serde(default = "default_agent_svc_url")]
    pub agent_svc_url: String,
    /// Tasks one project may hold (`MAX_TASKS_PER_PROJECT`): every view of a project that needs
    /// all its tasks (the dependency graph, the timeline) stays bounded by it. A create or an
    /// import past it answers 409 `task_limit_reached`.
    #[serde(default = "default_max_tasks")]
    pub max_tasks_per_project: u32,
    /// Dependency edges one project may hold (`MAX_DEPENDENCIES_PER_PROJECT`); past it, 409
    /// `dependency_limit_reached`.
    #[serde(default = "default_max_dependencies")]
    pub max_dependencies_per_project: u32,
}

fn default_max_tasks() -> u32 {
    2_000
}

fn default_max_dependencies() -> u32 {
    10_000
}

fn default_templates_dir() -> PathBuf {
    PathBuf::from("project-templates")
}

fn default_agent_svc_url() -> String {
    "http://127.0.0.1:8030".to_owned()
}

impl ProjectConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        let config: Self = kit::config::load()?;
        config.check()?;
        Ok(config)
    }

    /// A limit of 0 would refuse every task: a typo, refused at start.
    pub fn check(&self) -> Result<(), kit::config::ConfigError> {
        for (name, value) in [
            ("MAX_TASKS_PER_PROJECT", self.max_tasks_per_project),
            (
                "MAX_DEPENDENCIES_PER_PROJECT",
                self.max_dependencies_per_project,
            ),
        ] {
            if value == 0 {
                return Err(kit::config::ConfigError::Invalid {
                    name,
                    reason: "must be at least 1".to_owned(),
                });
            }
        }
        Ok(())
    }
}
