//! Request and response types of the routes in `routes::lifecycle`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::activity::ActivityRow;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FleetAgent {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    /// The last state the runtime reported (`idle` when it never reported one).
    pub state: String,
    /// The newest live work lock: `{runId, step}`; absent when the agent holds none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current_work: Option<Value>,
    /// Items waiting in the agent's work queue.
    pub queue_length: i64,
    /// Inbox messages not read yet.
    pub unread_count: i64,
    /// Programs the agent installed in its sandbox (`bin`, `.local/bin`).
    pub installed_tools: usize,
    pub last_active: Option<i64>,
    /// When one of its pulse routines last ran (epoch ms), if ever.
    pub last_pulse: Option<i64>,
    pub pulse_enabled: bool,
    pub slack_connected: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FleetSummary {
    pub total: usize,
    pub idle: usize,
    pub working: usize,
    pub thinking: usize,
    /// Queued items of every agent together.
    pub total_queued: i64,
    /// Agents per reported state, including states other than the three above.
    pub by_state: std::collections::BTreeMap<String, usize>,
    pub pulse_enabled: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Fleet {
    pub agents: Vec<FleetAgent>,
    pub summary: FleetSummary,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentStatus {
    pub status: String,
    pub active_steps: usize,
    pub current_run: Option<String>,
    pub last_seen: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    pub state: String,
    pub last_active: Option<i64>,
    /// Items waiting in the agent's work queue.
    pub queue_depth: usize,
    #[schema(value_type = Vec<Object>)]
    pub current_work: Vec<Value>,
    #[schema(value_type = Object)]
    pub pulse: Value,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    /// 1 to 1000 (default 100).
    pub limit: Option<i64>,
    /// Only entries after this time (epoch ms).
    pub since: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub timeline: Vec<ActivityRow>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityStats {
    pub sessions_today: i64,
    pub sessions_this_week: i64,
    pub error_count: i64,
    pub total_tokens: i64,
    pub total_cost: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WakeStats {
    pub agent_id: String,
    /// The UTC day counted, `YYYY-MM-DD`.
    pub date: String,
    pub wakes_today: i64,
    pub max_wakes_per_day: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkLedger {
    pub agent_id: String,
    #[schema(value_type = Vec<Object>)]
    pub locks: Vec<Value>,
    pub count: usize,
}
