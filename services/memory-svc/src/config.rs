//! memory-svc's own settings on top of kit's common ones, read from the same layered sources
//! (defaults, `DJB_CONFIG_FILE`, then the environment).

use std::path::PathBuf;

use kit::paths::DataPaths;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct MemoryConfig {
    /// Root of all tenant files; vaults live in `DATA_PATH/tenants/{tenant}/vaults/{agent|shared}`.
    #[serde(default = "default_data_path")]
    pub data_path: PathBuf,
    /// agent-svc, asked which agent a path names (`AGENT_SVC_URL`).
    #[serde(default = "default_agent_svc_url")]
    pub agent_svc_url: String,
    /// The largest note memory-svc writes, reads or indexes (`MAX_NOTE_BYTES`).
    #[serde(default = "default_max_note_bytes")]
    pub max_note_bytes: u64,
    /// The most notes one vault may hold in the index; a scan stops there (`MAX_VAULT_NOTES`).
    #[serde(default = "default_max_vault_notes")]
    pub max_vault_notes: usize,
    /// Seconds between two scans of every vault for files written by runtimes; 0 turns the
    /// periodic scan off (`SCAN_INTERVAL_SECS`).
    #[serde(default = "default_scan_interval")]
    pub scan_interval_secs: u64,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            data_path: default_data_path(),
            agent_svc_url: default_agent_svc_url(),
            max_note_bytes: default_max_note_bytes(),
            max_vault_notes: default_max_vault_notes(),
            scan_interval_secs: default_scan_interval(),
        }
    }
}

fn default_data_path() -> PathBuf {
    PathBuf::from(".dev/data")
}
fn default_agent_svc_url() -> String {
    "http://127.0.0.1:8030".to_owned()
}
fn default_max_note_bytes() -> u64 {
    1024 * 1024
}
fn default_max_vault_notes() -> usize {
    50_000
}
fn default_scan_interval() -> u64 {
    60
}

impl MemoryConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        kit::config::load()
    }

    pub fn data_paths(&self) -> DataPaths {
        DataPaths::new(&self.data_path)
    }
}
