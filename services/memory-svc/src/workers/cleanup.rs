//! memory-svc's side of `AGENT_DELETED` and `TENANT_DELETED`: a consumer group on the global
//! stream (`cg:memory-cleanup`) removes a deleted agent's vault, its index rows and its scores,
//! and a deleted tenant's whole vault tree (its rows went with the tenant, by cascade).

use bus::{StreamEntry, Worker};
use kit::ApiError;
use shared_schemas::events::{Decoded, Event, decode};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::flows::cleanup;

/// Runs the clean-up until `shutdown`.
pub async fn run(state: AppState, shutdown: CancellationToken) -> anyhow::Result<()> {
    let platform = state.platform.clone();
    let client = platform.redis_client()?;
    let keys = platform.keys.clone();
    Worker::new(
        client,
        &keys,
        keys.global_events(),
        keys.memory_cleanup_group(),
    )
    .consumer_for_service("memory-svc")
    .run(|entry| handle(state.clone(), entry), shutdown)
    .await?;
    Ok(())
}

/// Handles one stream entry; other event types are acknowledged untouched.
pub async fn handle(state: AppState, entry: StreamEntry) -> Result<(), ApiError> {
    let Some(Ok(Decoded::Known(envelope))) = entry.data().map(decode) else {
        return Ok(());
    };
    match &envelope.event {
        Event::AgentDeleted(deleted) => {
            cleanup::agent_deleted(&state, &envelope, deleted.agent_id.as_str()).await?;
        }
        Event::TenantDeleted(_) => cleanup::tenant_deleted(&state, &envelope.tenant_id).await?,
        _ => {}
    }
    Ok(())
}
