//! The activity worker: a consumer group on the global event stream whose entries are recorded
//! in the activity of the agents they name (`flows::activity`). At least once: the flow applies
//! each event id once, so redeliveries and reclaims are harmless.

use bus::{StreamEntry, Worker};
use kit::Platform;
use shared_schemas::events::RawEnvelope;
use tokio_util::sync::CancellationToken;

use crate::flows;

/// Runs the recorder until `shutdown`.
pub async fn run(platform: Platform, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = redis::Client::open(platform.config.redis_url())?;
    let keys = platform.keys.clone();
    let worker = Worker::new(
        client,
        &keys,
        keys.global_events(),
        keys.agent_activity_group(),
    )
    .consumer_for_service("agent-svc");
    worker
        .run(|entry| handle(platform.clone(), entry), shutdown)
        .await?;
    Ok(())
}

/// One stream entry: entries that are not events are acknowledged and skipped.
pub async fn handle(platform: Platform, entry: StreamEntry) -> Result<(), sqlx::Error> {
    let Some(raw) = entry.data().and_then(|d| RawEnvelope::from_json(d).ok()) else {
        return Ok(());
    };
    flows::activity::record(&platform, &raw).await
}
