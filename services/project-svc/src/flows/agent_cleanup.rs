//! agent-svc deleted an agent, so the tenant's projects drop it: its project memberships (and
//! with them its routine mappings) and its task assignments. At least once delivery: the event
//! id is recorded in the same transaction as the effect, so a redelivery changes nothing.

use kit::db::TenantTx;
use kit::outbox::first_delivery;
use kit::{ApiError, Platform};
use shared_schemas::events::EventEnvelope;
use shared_schemas::ids::AgentId;

use crate::store;

/// The consumer name under which applied `AGENT_DELETED` ids are recorded.
pub const CONSUMER: &str = "project-cleanup";

/// Applies the deletion in the event's tenant; returns false for a redelivered event.
pub async fn agent_deleted(
    platform: &Platform,
    envelope: &EventEnvelope,
    agent: &AgentId,
) -> Result<bool, ApiError> {
    let mut tx = TenantTx::begin(platform.db.pool(), &envelope.tenant_id).await?;
    if !first_delivery(&mut tx, CONSUMER, envelope.id.as_str()).await? {
        tx.commit().await?;
        return Ok(false);
    }
    store::project_agents::remove_agent(&mut tx, agent.as_str()).await?;
    store::tasks::unassign_agent(&mut tx, agent.as_str(), store::now_ms()).await?;
    tx.commit().await?;
    Ok(true)
}
