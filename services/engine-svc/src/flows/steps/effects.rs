//! Applies the state machine's effects to a run inside the caller's transaction, each with its
//! outbox event. Runs are always locked (`store::runs::lock`) by the caller first.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::db::TenantTx;
use kit::outbox::append_for_run;
use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::events::run::{
    AgentMessage, LoopItemComplete, LoopItemFailed, RunComplete, RunFailed, StepCancelled,
    StepQueued, StepRetrying,
};
use shared_schemas::ids::{RunId, StepId};
use shared_schemas::pipeline::{PipelineConfig, parse_pipeline};

use crate::domain::loops;
use crate::domain::machine::{Effect, RunView, StepView};
use crate::store::{self, runs::RunRow};

/// How the application of effects left the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Continues,
    /// The run completed or failed: its slot is free after the commit.
    Ended,
}

/// The run's pipeline as it was when the run started.
pub fn pipeline_of(run: &RunRow) -> Result<PipelineConfig, ApiError> {
    parse_pipeline(&run.pipeline_yaml).map_err(|errors| {
        let first = errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        ApiError::internal(anyhow::anyhow!(
            "run {} holds a pipeline that no longer parses: {first}",
            run.id
        ))
    })
}

pub fn run_id(run: &RunRow) -> Result<RunId, ApiError> {
    RunId::parse(run.id.clone()).map_err(ApiError::internal)
}

pub fn step_id(step: &str) -> Result<StepId, ApiError> {
    StepId::parse(step.to_owned()).map_err(ApiError::internal)
}

/// Loads what the machine needs, asks `decide`, applies the answer.
pub async fn decide(
    tx: &mut TenantTx,
    run: &RunRow,
    pipeline: &PipelineConfig,
    now: i64,
    decide: impl FnOnce(&RunView<'_>) -> Vec<Effect>,
) -> Result<Applied, ApiError> {
    let rows = store::steps::list(tx, &run.id, None).await?;
    let steps: BTreeMap<String, StepView> = rows
        .iter()
        .map(|s| {
            let view = StepView {
                retry_count: u32::try_from(s.retry_count).unwrap_or(0),
                max_retries: u32::try_from(s.max_retries).unwrap_or(0),
            };
            (s.step_id.clone(), view)
        })
        .collect();
    let loops = store::loop_state::all(tx, &run.id).await?;
    let outputs = store::outputs::all(tx, &run.id).await?;
    let view = RunView {
        pipeline,
        steps: &steps,
        loops: &loops,
        outputs: &outputs,
    };
    let effects = decide(&view);
    apply(tx, run, effects, now).await
}

/// Applies `effects` in order; stops at the first that ends the run.
pub async fn apply(
    tx: &mut TenantTx,
    run: &RunRow,
    effects: Vec<Effect>,
    now: i64,
) -> Result<Applied, ApiError> {
    let rid = run_id(run)?;
    for effect in effects {
        match effect {
            Effect::Queue {
                step,
                human_context,
            } => {
                queue(tx, run, &step, human_context.as_deref(), now).await?;
            }
            Effect::Retry {
                step,
                retry_count,
                feedback,
            } => {
                store::steps::set_retry_count(
                    tx,
                    &run.id,
                    &step,
                    i32::try_from(retry_count).unwrap_or(i32::MAX),
                )
                .await?;
                store::steps::transition(
                    tx,
                    &run.id,
                    &step,
                    None,
                    &["completed", "failed"],
                    "retrying",
                    now,
                )
                .await?;
                let event = StepRetrying {
                    step_id: step_id(&step)?,
                    feedback: feedback.clone(),
                };
                append_for_run(tx, &rid, Event::StepRetrying(event)).await?;
                queue(tx, run, &step, Some(&feedback), now).await?;
            }
            Effect::Notify { to, message } => {
                let event = AgentMessage {
                    from: "system".to_owned(),
                    to: run.agent_for(&to).unwrap_or(to),
                    message,
                    thread_id: format!("{}_notification", run.id),
                };
                append_for_run(tx, &rid, Event::AgentMessage(event)).await?;
            }
            Effect::LoopInit { step, items } => {
                let state = loops::LoopState {
                    items,
                    current_index: 0,
                    updated_at: now,
                };
                store::loop_state::put(tx, &run.id, &step, &state, now).await?;
            }
            Effect::LoopItemComplete {
                step,
                index,
                output,
            } => {
                let Some(mut state) = store::loop_state::get(tx, &run.id, &step).await? else {
                    continue;
                };
                if let Some(item) = state.items.get_mut(index) {
                    item.status = loops::COMPLETED.to_owned();
                    item.output = Some(output);
                    let event = LoopItemComplete {
                        step_id: step_id(&step)?,
                        item_id: item.id.clone(),
                        item_index: item.index,
                    };
                    store::loop_state::put(tx, &run.id, &step, &state, now).await?;
                    append_for_run(tx, &rid, Event::LoopItemComplete(event)).await?;
                }
            }
            Effect::LoopItemFailed { step, index, error } => {
                let Some(mut state) = store::loop_state::get(tx, &run.id, &step).await? else {
                    continue;
                };
                if let Some(item) = state.items.get_mut(index) {
                    item.status = loops::FAILED.to_owned();
                    item.retry_count += 1;
                    let event = LoopItemFailed {
                        step_id: step_id(&step)?,
                        item_id: item.id.clone(),
                        error,
                    };
                    store::loop_state::put(tx, &run.id, &step, &state, now).await?;
                    append_for_run(tx, &rid, Event::LoopItemFailed(event)).await?;
                }
            }
            Effect::LoopMove { step, index } => {
                let Some(mut state) = store::loop_state::get(tx, &run.id, &step).await? else {
                    continue;
                };
                state.current_index = index;
                if let Some(item) = state.items.get_mut(index) {
                    item.status = loops::RUNNING.to_owned();
                }
                state.updated_at = now;
                store::loop_state::put(tx, &run.id, &step, &state, now).await?;
                // A new item gets the step's retries afresh.
                store::steps::set_retry_count(tx, &run.id, &step, 0).await?;
            }
            Effect::CompleteRun => {
                complete_run(tx, run, now).await?;
                return Ok(Applied::Ended);
            }
            Effect::FailRun { error } => {
                fail_run(tx, run, &error, now).await?;
                return Ok(Applied::Ended);
            }
        }
    }
    Ok(Applied::Continues)
}

/// Queues `step` as a new attempt: the step row `queued` with its attempt counted up, an attempt
/// row, the run's current step, and STEP_QUEUED. A step whose attempt is running is left alone.
pub async fn queue(
    tx: &mut TenantTx,
    run: &RunRow,
    step: &str,
    human_context: Option<&str>,
    now: i64,
) -> Result<Option<i32>, ApiError> {
    let Some(attempt) = store::steps::queue(tx, &run.id, step, human_context, now).await? else {
        tracing::warn!(run = %run.id, step, "step not queued: an attempt of it is running");
        return Ok(None);
    };
    store::attempts::insert(tx, &run.id, step, attempt, now).await?;
    store::runs::set_current_step(tx, &run.id, Some(step), now).await?;
    announce_queued(tx, run, step, attempt).await?;
    Ok(Some(attempt))
}

/// STEP_QUEUED for the step's `attempt` (also sent again when a paused run resumes).
pub async fn announce_queued(
    tx: &mut TenantTx,
    run: &RunRow,
    step: &str,
    attempt: i32,
) -> Result<(), ApiError> {
    let row = store::steps::get(tx, &run.id, step).await?;
    let agent_id = row.and_then(|r| r.agent_id).unwrap_or_default();
    let event = StepQueued {
        step_id: step_id(step)?,
        agent_id,
        attempt: u32::try_from(attempt).ok(),
    };
    append_for_run(tx, &run_id(run)?, Event::StepQueued(event)).await?;
    Ok(())
}

async fn complete_run(tx: &mut TenantTx, run: &RunRow, now: i64) -> Result<(), ApiError> {
    if !store::runs::transition(tx, &run.id, &["running"], "completed", None, now).await? {
        return Ok(());
    }
    let outputs = store::outputs::all(tx, &run.id).await?;
    let outputs: BTreeMap<String, Value> = outputs
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let value = serde_json::to_value(&outputs).map_err(ApiError::internal)?;
    store::runs::patch(
        tx,
        &run.id,
        &store::runs::Patch {
            outputs: Some(&value),
            ..Default::default()
        },
        now,
    )
    .await?;
    append_for_run(
        tx,
        &run_id(run)?,
        Event::RunComplete(RunComplete { outputs }),
    )
    .await?;
    Ok(())
}

/// The run fails with `error`; queued attempts are cancelled.
pub async fn fail_run(
    tx: &mut TenantTx,
    run: &RunRow,
    error: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let from = ["pending", "queued", "running", "paused"];
    if !store::runs::transition(tx, &run.id, &from, "failed", Some(error), now).await? {
        return Ok(false);
    }
    cancel_open(tx, run, None, "the run failed", now).await?;
    let event = RunFailed {
        error: error.to_owned(),
    };
    append_for_run(tx, &run_id(run)?, Event::RunFailed(event)).await?;
    Ok(true)
}

/// Cancels the open (queued or running) attempts of the run, or of one step, with
/// STEP_CANCELLED for each; returns the steps touched.
pub async fn cancel_open(
    tx: &mut TenantTx,
    run: &RunRow,
    step: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<Vec<String>, ApiError> {
    let open = store::attempts::cancel_open(tx, &run.id, step, now).await?;
    let rid = run_id(run)?;
    let mut touched = Vec::new();
    for (step, attempt, was_running) in open {
        let from = ["queued", "running", "retrying"];
        store::steps::transition(tx, &run.id, &step, Some(attempt), &from, "cancelled", now)
            .await?;
        let session = super::session_id(&run.id, &step, attempt);
        store::sessions::finish(tx, &session, "cancelled", None, Some(reason), now).await?;
        let event = StepCancelled {
            step_id: step_id(&step)?,
            reason: reason.to_owned(),
        };
        append_for_run(tx, &rid, Event::StepCancelled(event)).await?;
        if was_running {
            let agent = super::agent_state::stopped(tx, &rid, &step).await?;
            let ids = (session.as_str(), agent.as_str());
            let ended = super::session_events::Change::Ended;
            super::session_events::changed(tx, Some(&rid), ended, ids, "cancelled", Some(reason))
                .await?;
        }
        touched.push(step);
    }
    Ok(touched)
}
