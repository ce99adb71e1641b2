//! The activity recorder: a consumer group on the global event stream that appends every
//! event naming one of a tenant's agents (`agentId`, `fromAgentId`, `toAgentId`) to that
//! agent's activity. Idempotent per event id, so redeliveries and reclaims are harmless.

use bus::{StreamEntry, Worker};
use kit::Platform;
use kit::db::TenantTx;
use serde_json::Value;
use shared_schemas::events::RawEnvelope;
use shared_schemas::ids::AgentId;
use tokio_util::sync::CancellationToken;

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

/// Runs the recorder until `shutdown`.
pub async fn run(platform: Platform, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = platform.redis_client()?;
    let keys = platform.keys.clone();
    let worker = Worker::new(
        client,
        &keys,
        keys.global_events(),
        keys.agent_activity_group(),
    )
    .consumer_for_service("agent-svc");
    worker
        .run(|entry| record(platform.clone(), entry), shutdown)
        .await?;
    Ok(())
}

/// Records one stream entry. Entries that are not events, or name no agent, are acknowledged
/// and skipped; only database errors are returned (and retried by the group).
pub async fn record(platform: Platform, entry: StreamEntry) -> Result<(), sqlx::Error> {
    let Some(raw) = entry.data().and_then(|d| RawEnvelope::from_json(d).ok()) else {
        return Ok(());
    };
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
    for agent_id in agents {
        let row = NewActivity {
            agent_id,
            event_id: raw.id.as_str(),
            event_type: &raw.event_type,
            run_id: run_id.as_deref(),
            session_id: raw.payload.get("sessionId").and_then(Value::as_str),
            summary: summary(&raw),
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
