//! The step executor: reads `STEP_QUEUED` from the global stream in group
//! `cg:engine-executors` and runs each attempt. An entry is acknowledged once its attempt is
//! claimed (or found stale), not when the step ends: a step may take an hour, and the claimed
//! attempt in Postgres (with its owner and fence) is what survives a crash from then on. Up to
//! `MAX_CONCURRENT_STEPS` attempts run at once per replica; the next entry waits for a slot.

use std::sync::Arc;

use bus::{StreamEntry, Worker};
use kit::ApiError;
use shared_schemas::events::{Decoded, Event, decode};
use shared_schemas::ids::StepId;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::flows::execute::{Attempt, ExecError, Executor};

pub async fn run(
    executor: Executor,
    max_concurrent: usize,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let platform = &executor.app.platform;
    let client = platform.redis_client()?;
    let slots = Arc::new(Semaphore::new(max_concurrent.max(1)));
    let worker = Worker::new(
        client,
        &platform.keys,
        platform.keys.global_events(),
        platform.keys.engine_executors_group(),
    )
    .consumer(executor.runtimes.instance_id().to_owned());
    let stop = shutdown.clone();
    worker
        .run(
            |entry| {
                let executor = executor.clone();
                let slots = Arc::clone(&slots);
                let shutdown = stop.clone();
                async move { handle(executor, slots, entry, shutdown).await }
            },
            shutdown,
        )
        .await?;
    Ok(())
}

async fn handle(
    executor: Executor,
    slots: Arc<Semaphore>,
    entry: StreamEntry,
    shutdown: CancellationToken,
) -> Result<(), ExecError> {
    let Some(attempt) = attempt_of(&entry) else {
        return Ok(());
    };
    if executor.runtimes.is_draining() {
        // Left pending: another replica reclaims it.
        return Err(ExecError::Api(ApiError::unavailable(
            "draining",
            "this replica is draining",
        )));
    }
    let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
        return Ok(());
    };
    let Some(claimed) = executor.claim(attempt, &shutdown).await? else {
        return Ok(());
    };
    tokio::spawn(async move {
        executor.run(claimed).await;
        drop(permit);
    });
    Ok(())
}

/// The attempt a `STEP_QUEUED` entry asks for; other entries are not the executor's.
fn attempt_of(entry: &StreamEntry) -> Option<Attempt> {
    let Decoded::Known(envelope) = decode(entry.data()?).ok()? else {
        return None;
    };
    let Event::StepQueued(queued) = envelope.event else {
        return None;
    };
    Some(Attempt {
        tenant: envelope.tenant_id,
        run: envelope.run_id?,
        step: StepId::parse(queued.step_id.as_str().to_owned()).ok()?,
        attempt: i32::try_from(queued.attempt?).ok()?,
    })
}
