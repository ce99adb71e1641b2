//! Pulses: `PULSE_TRIGGERED` from the consumer group `cg:engine-pulses`. A pulse holds its entry
//! for as long as it runs (minutes), so several run at once; an entry is acknowledged once the
//! pulse ended, and one refused for the tenant's pulse limit is delivered again later.

use bus::{StreamEntry, Worker};
use kit::ApiError;
use shared_schemas::events::{Decoded, Event, decode};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::flows::pulses::{self, PulseOutcome};

/// Pulses one replica runs at once (each mostly waits on its runtime).
const CONCURRENT: usize = 8;

pub async fn run(app: AppState, shutdown: CancellationToken) -> anyhow::Result<()> {
    let client = app.platform.redis_client()?;
    let keys = app.platform.keys.clone();
    Worker::new(
        client,
        &keys,
        keys.global_events(),
        keys.engine_pulses_group(),
    )
    .consumer_for_service("engine-svc")
    .concurrency(CONCURRENT)
    .batch_size(1)
    .run(|entry| handle(app.clone(), entry), shutdown)
    .await?;
    Ok(())
}

pub async fn handle(app: AppState, entry: StreamEntry) -> Result<(), ApiError> {
    let Some(Ok(Decoded::Known(envelope))) = entry.data().map(decode) else {
        return Ok(());
    };
    let Event::PulseTriggered(trigger) = &envelope.event else {
        return Ok(());
    };
    let tenant = &envelope.tenant_id;
    let outcome = pulses::run(&app, tenant, envelope.id.as_str(), trigger).await?;
    match &outcome {
        PulseOutcome::Answered { session } => {
            tracing::info!(tenant = %tenant, agent = %trigger.agent_id, session, "pulse done");
        }
        other => {
            tracing::warn!(tenant = %tenant, agent = %trigger.agent_id, outcome = ?other, "pulse did not finish");
        }
    }
    Ok(())
}
