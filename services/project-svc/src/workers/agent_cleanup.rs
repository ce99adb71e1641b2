//! project-svc's side of `AGENT_DELETED`: a consumer group on the global stream
//! (`cg:project-cleanup`) hands each deletion to [`flows::agent_cleanup`](crate::flows::agent_cleanup).

use bus::{StreamEntry, Worker};
use kit::{ApiError, Platform};
use shared_schemas::events::{Decoded, Event, decode};
use tokio_util::sync::CancellationToken;

use crate::flows::agent_cleanup;

/// Runs the clean-up until `shutdown`.
pub async fn run(platform: Platform, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = redis::Client::open(platform.config.redis_url())?;
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
pub async fn handle(platform: Platform, entry: StreamEntry) -> Result<(), ApiError> {
    let Some(Ok(Decoded::Known(envelope))) = entry.data().map(decode) else {
        return Ok(());
    };
    if let Event::AgentDeleted(deleted) = &envelope.event {
        agent_cleanup::agent_deleted(&platform, &envelope, &deleted.agent_id).await?;
    }
    Ok(())
}
