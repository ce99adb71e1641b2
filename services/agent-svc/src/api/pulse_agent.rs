//! Request and response types of `/v1/agents/{agent_id}/pulse/...`.

use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::pulse_config::{self, ScheduleView};

/// The reference's `PulseConfig`, backed by the agent's `pulse*` config keys.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseConfig {
    pub enabled: bool,
    pub interval_ms: u64,
    pub timeout_ms: u64,
}

impl From<&ScheduleView> for PulseConfig {
    fn from(v: &ScheduleView) -> Self {
        Self {
            enabled: v.enabled,
            interval_ms: u64::from(v.interval_minutes) * 60_000,
            timeout_ms: v.timeout_ms,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PulseConfigUpdate {
    pub enabled: Option<bool>,
    /// Whole minutes, 60000 to 86400000.
    pub interval_ms: Option<u64>,
    /// How long one pulse session may run, 1000 to 3600000.
    pub timeout_ms: Option<u64>,
}

impl Validate for PulseConfigUpdate {
    fn validate(&self) -> Result<(), Vec<kit::error::FieldError>> {
        let mut errors = Vec::new();
        if let Some(Err(e)) = self.interval_ms.map(pulse_config::interval_from_ms) {
            errors.push(e);
        }
        if let Some(Err(e)) = self.timeout_ms.map(pulse_config::timeout_ms) {
            errors.push(e);
        }
        crate::domain::validate::finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseStatus {
    pub enabled: bool,
    pub interval_minutes: u32,
    pub offset_minutes: u32,
    pub timeout_ms: u64,
    /// When one of the agent's routines last finished a run (epoch ms), as engine-svc reported.
    pub last_pulse: Option<i64>,
    /// The next scheduled pulse of the agent or its routines (epoch ms); null when off.
    pub next_pulse: Option<i64>,
    /// The last manual "pulse now" request (epoch ms).
    pub last_triggered_at: Option<i64>,
    pub routines: usize,
}

/// The answer to "pulse now": the request is queued for engine-svc, not yet run.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerResponse {
    pub triggered: bool,
    /// Always `queued`: engine-svc picks the request up from the bus.
    pub status: &'static str,
    pub message: String,
    pub trigger_id: String,
    /// The id of the `PULSE_TRIGGERED` event on the tenant's stream.
    pub event_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routine_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routine_name: Option<String>,
}
