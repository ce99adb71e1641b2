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
    /// The last state the runtime reported (`idle` when it never reported one).
    pub state: String,
    pub last_active: Option<i64>,
    pub pulse_enabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Fleet {
    pub agents: Vec<FleetAgent>,
    #[schema(value_type = Object)]
    pub summary: Value,
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
