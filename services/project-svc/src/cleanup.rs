//! project-svc's side of `AGENT_DELETED`: agent-svc deleted an agent, so the tenant's projects
//! drop it — its project memberships (and with them its routine mappings) and its task
//! assignments. A consumer group on the global stream; idempotent, so redeliveries are harmless.

use bus::{StreamEntry, Worker};
use kit::Platform;
use kit::db::TenantTx;
use shared_schemas::events::{Decoded, Event, decode};
use tokio_util::sync::CancellationToken;

/// Runs the clean-up until `shutdown`.
pub async fn run(platform: Platform, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = platform.redis_client()?;
    let keys = platform.keys.clone();
    Worker::new(
        client,
        &keys,
        keys.global_events(),
        keys.project_cleanup_group(),
    )
    .consumer_for_service("project-svc")
    .run(|entry| handle(platform.clone(), entry), shutdown)
    .await?;
    Ok(())
}

/// Handles one stream entry; anything but `AGENT_DELETED` is acknowledged untouched.
pub async fn handle(platform: Platform, entry: StreamEntry) -> Result<(), sqlx::Error> {
    let Some(Ok(Decoded::Known(envelope))) = entry.data().map(decode) else {
        return Ok(());
    };
    let Event::AgentDeleted(deleted) = &envelope.event else {
        return Ok(());
    };
    let agent = deleted.agent_id.as_str();
    let tenant = envelope.tenant_id.as_str();
    let mut tx = TenantTx::begin(platform.db.pool(), &envelope.tenant_id).await?;
    sqlx::query("delete from project.project_agents where tenant_id = $1 and agent_id = $2")
        .bind(tenant)
        .bind(agent)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "update project.tasks set assigned_agent = null, updated_at = $3
          where tenant_id = $1 and assigned_agent = $2",
    )
    .bind(tenant)
    .bind(agent)
    .bind(crate::store::now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
