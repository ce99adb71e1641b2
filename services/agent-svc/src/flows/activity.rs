//! Recording an event in the activity of the agents it names (`agentId`, `fromAgentId`,
//! `toAgentId`), for the activity worker. The event id is recorded as applied in the same
//! transaction, so a redelivered or reclaimed event is applied once.

use kit::Platform;
use kit::db::TenantTx;
use serde_json::Value;
use shared_schemas::events::RawEnvelope;
use shared_schemas::ids::AgentId;

use crate::store::activity::{self, NewActivity};

const AGENT_FIELDS: [&str; 3] = ["agentId", "fromAgentId", "toAgentId"];
const ERROR_TYPES: [&str; 6] = [
    "STEP_FAILED",
    "STEP_ERROR",
    "RUN_FAILED",
    "CONTAINER_CRASHED",
    "CONTAINER_CREATE_FAILED",
    "CONTAINER_START_ERROR",
];

/// The consumer name applied event ids are recorded under.
pub const CONSUMER: &str = "cg:agent-activity";

/// Records `raw` for every agent of its tenant it names; an event naming none is skipped. Only
/// database errors are returned (and retried by the group).
pub async fn record(platform: &Platform, raw: &RawEnvelope) -> Result<(), sqlx::Error> {
    let agents: Vec<&str> = AGENT_FIELDS
        .iter()
        .filter_map(|f| raw.payload.get(*f).and_then(Value::as_str))
        .filter(|id| AgentId::parse(*id).is_ok())
        .collect();
    if agents.is_empty() {
        return Ok(());
    }
    let payload = Value::Object(raw.payload.clone().into_iter().collect());
    let run_id = raw.run_id.as_ref().map(ToString::to_string);
    let mut tx = TenantTx::begin(platform.db.pool(), &raw.tenant_id).await?;
    if !kit::outbox::first_delivery(&mut tx, CONSUMER, raw.id.as_str()).await? {
        return tx.commit().await;
    }
    for agent_id in agents {
        let row = NewActivity {
            agent_id,
            event_id: raw.id.as_str(),
            event_type: &raw.event_type,
            run_id: run_id.as_deref(),
            session_id: raw.payload.get("sessionId").and_then(Value::as_str),
            summary: summary(raw),
            data: payload.clone(),
            is_error: ERROR_TYPES.contains(&raw.event_type.as_str()),
            created_at: raw.timestamp,
        };
        activity::append(&mut tx, &row).await?;
    }
    tx.commit().await
}

/// One line a person can read in a timeline.
fn summary(raw: &RawEnvelope) -> String {
    let field = |k: &str| raw.payload.get(k).and_then(Value::as_str).unwrap_or("");
    let text = match raw.event_type.as_str() {
        "AGENT_STATE_CHANGED" => format!("{} → {}", field("previousState"), field("newState")),
        "TASK_CLAIMED" => format!("claimed task {}", field("taskId")),
        "PULSE_TRIGGERED" => "pulse triggered".to_owned(),
        _ => field("summary").to_owned(),
    };
    let text = if text.is_empty() {
        raw.event_type.clone()
    } else {
        text
    };
    text.chars().take(500).collect()
}
