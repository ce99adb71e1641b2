//! The step executor: reads `STEP_QUEUED` from the global stream in group
//! `cg:engine-executors` and runs each attempt. An entry is acknowledged once its attempt is
//! claimed (or found stale), not when the step ends: a step may take an hour, and the claimed
//! attempt in Postgres (with its owner and fence) is what survives a crash from then on. Up to
//! `MAX_CONCURRENT_STEPS` attempts run at once per replica; the next entry waits for a slot.
//! Claims run concurrently too (as many as there are slots): a claim may wait for the run's lease
//! while the previous step's holder records its result, and must not hold up other runs' steps.
//! Entries a dead replica read but never claimed are reclaimed after [`RECLAIM_IDLE`].

use std::sync::Arc;
use std::time::Duration;

use bus::{StreamEntry, Worker};
use kit::ApiError;
use shared_schemas::events::{Decoded, Event, decode};
use shared_schemas::ids::StepId;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::flows::execute::{Attempt, ExecError, Executor};

/// How long an entry may stay pending before another replica takes it over. Short: the entries
/// of a replica that died before claiming them wait this long. Taking over the entry of a live
/// replica that is still waiting for a slot or a lease is harmless: only one claim of an
/// attempt succeeds (the attempt must still be queued, under the run's lease).
const RECLAIM_IDLE: Duration = Duration::from_secs(10);

/// Every reclaim counts as a delivery: an entry waiting for a slot on a busy replica is
/// reclaimed every [`RECLAIM_IDLE`], and must not reach the dead-letter stream for that alone
/// (about ten minutes of waiting at this count).
const MAX_DELIVERIES: u32 = 60;

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
    .consumer(executor.runtimes.instance_id().to_owned())
    .reclaim_idle(RECLAIM_IDLE)
    .max_deliveries(MAX_DELIVERIES)
    .concurrency(max_concurrent.max(1))
    // One entry per read: the relay publishes several steps at once, and a replica that read
    // them all would hold steps its idle peers could start (each read is one round trip).
    .batch_size(1);
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
