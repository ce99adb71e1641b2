//! sse-relay's own settings on top of kit's common ones, read from the same layered sources
//! (defaults, `DJB_CONFIG_FILE`, then the environment).

use std::time::Duration;

use serde::Deserialize;

use crate::workers::hub::HubSettings;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RelayConfig {
    /// `AGENT_SVC_URL`: agent ids (and slugs) in stream paths are looked up there, for the
    /// caller's tenant, before anything is streamed.
    pub agent_svc_url: String,
    /// `SSE_HEARTBEAT_SECS`: a heartbeat frame at least this often (HAProxy cuts a client idle
    /// for 60 s).
    pub sse_heartbeat_secs: u64,
    /// `SSE_STATUS_CHECK_MS`: how often an open stream re-reads its tenant's status, so a
    /// suspension or deletion closes it within seconds.
    pub sse_status_check_ms: u64,
    /// `SSE_READER_SHARDS`: blocking reader connections of the hub.
    pub sse_reader_shards: usize,
    /// `SSE_BUFFER`: entries a subscriber may fall behind before it is closed (it resumes).
    pub sse_buffer: usize,
    /// `SSE_READ_BLOCK_MS`: longest wait of one hub `XREAD`.
    pub sse_read_block_ms: u64,
    /// `SSE_READ_COALESCE_MS`: pause of a hub reader after a read that returned entries (0: none).
    pub sse_read_coalesce_ms: u64,
    /// `SSE_MAX_STREAMS_PER_USER`: open streams one caller (token subject) may hold on a replica.
    pub sse_max_streams_per_user: usize,
    /// `SSE_MAX_STREAMS_PER_TENANT`: open streams one tenant may hold on a replica.
    pub sse_max_streams_per_tenant: usize,
    /// `SSE_RETENTION_HOURS`: tenant and run event streams keep entries this long.
    pub sse_retention_hours: u64,
    /// `SSE_TRIM_INTERVAL_SECS`: how often this replica trims them by age.
    pub sse_trim_interval_secs: u64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            agent_svc_url: "http://127.0.0.1:8030".to_owned(),
            sse_heartbeat_secs: 15,
            sse_status_check_ms: 2000,
            sse_reader_shards: 8,
            sse_buffer: 1024,
            sse_read_block_ms: 250,
            sse_read_coalesce_ms: 5,
            sse_max_streams_per_user: 64,
            sse_max_streams_per_tenant: 2000,
            sse_retention_hours: 24,
            sse_trim_interval_secs: 300,
        }
    }
}

impl RelayConfig {
    pub fn load() -> Result<Self, kit::config::ConfigError> {
        let config: Self = kit::config::load()?;
        config.check()?;
        Ok(config)
    }

    /// Zeros would stream nothing or spin: typos, refused at start.
    pub fn check(&self) -> Result<(), kit::config::ConfigError> {
        let bad = |name: &'static str| kit::config::ConfigError::Invalid {
            name,
            reason: "must be at least 1".to_owned(),
        };
        let checks: [(&'static str, u64); 9] = [
            ("SSE_RETENTION_HOURS", self.sse_retention_hours),
            ("SSE_TRIM_INTERVAL_SECS", self.sse_trim_interval_secs),
            ("SSE_HEARTBEAT_SECS", self.sse_heartbeat_secs),
            ("SSE_STATUS_CHECK_MS", self.sse_status_check_ms),
            ("SSE_READER_SHARDS", self.sse_reader_shards as u64),
            ("SSE_BUFFER", self.sse_buffer as u64),
            ("SSE_READ_BLOCK_MS", self.sse_read_block_ms),
            (
                "SSE_MAX_STREAMS_PER_USER",
                self.sse_max_streams_per_user as u64,
            ),
            (
                "SSE_MAX_STREAMS_PER_TENANT",
                self.sse_max_streams_per_tenant as u64,
            ),
        ];
        match checks.iter().find(|(_, v)| *v == 0) {
            Some((name, _)) => Err(bad(name)),
            None => Ok(()),
        }
    }

    pub fn hub(&self) -> HubSettings {
        HubSettings {
            shards: self.sse_reader_shards,
            capacity: self.sse_buffer,
            block: Duration::from_millis(self.sse_read_block_ms),
            coalesce: Duration::from_millis(self.sse_read_coalesce_ms),
        }
    }

    pub fn retention(&self) -> Duration {
        Duration::from_secs(self.sse_retention_hours.saturating_mul(3600))
    }

    pub fn trim_interval(&self) -> Duration {
        Duration::from_secs(self.sse_trim_interval_secs)
    }

    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.sse_heartbeat_secs)
    }

    pub fn status_check(&self) -> Duration {
        Duration::from_millis(self.sse_status_check_ms)
    }
}
