//! agent-svc's own settings, read from the same layered sources as kit's.

use std::path::PathBuf;

use kit::crypto::SecretBox;
use kit::paths::DataPaths;
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct AgentConfig {
    /// 64 hex characters: encrypts secrets, provider keys and channel tokens at rest.
    pub secret_encryption_key: Option<SecretString>,
    /// Root of all tenant files (`DATA_PATH/tenants/{tenant}/sandboxes/{agent}`, ...).
    #[serde(default = "default_data_path")]
    pub data_path: PathBuf,
    /// The global skill library (`skills/<slug>/SKILL.md`), loaded at every start.
    #[serde(default = "default_skills_dir")]
    pub skills_dir: PathBuf,
    /// The agent template catalog (`agent-templates/<slug>/...`), loaded at every start.
    #[serde(default = "default_templates_dir")]
    pub agent_templates_dir: PathBuf,
    /// Largest sandbox file `GET /sandbox/file` returns in full; longer ones are truncated.
    #[serde(default = "default_sandbox_read_limit")]
    pub sandbox_read_limit_bytes: u64,
    /// Seconds between two ticks of the pulse clock; 0 turns scheduled pulses off.
    #[serde(default = "default_pulse_clock_tick")]
    pub pulse_clock_tick_secs: u64,
}

fn default_data_path() -> PathBuf {
    PathBuf::from(".dev/data")
}
fn default_skills_dir() -> PathBuf {
    PathBuf::from("skills")
}
fn default_templates_dir() -> PathBuf {
    PathBuf::from("agent-templates")
}
fn default_pulse_clock_tick() -> u64 {
    30
}
fn default_sandbox_read_limit() -> u64 {
    1024 * 1024
}

impl AgentConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        kit::config::load()
    }

    pub fn secret_box(&self) -> Result<SecretBox, kit::config::ConfigError> {
        SecretBox::from_config(self.secret_encryption_key.as_ref())
    }

    pub fn data_paths(&self) -> DataPaths {
        DataPaths::new(&self.data_path)
    }
}
