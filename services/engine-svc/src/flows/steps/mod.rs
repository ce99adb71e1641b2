//! The executor's side of a step: [`begin_attempt`] takes a queued attempt (with the fencing
//! token of the run lease) and hands back everything needed to run it; [`finish_attempt`]
//! records its result and moves the run on, refusing a result from an attempt or fence that is
//! no longer current. Both in one transaction each, with their events.

pub mod agent_state;
pub mod effects;
mod loop_state;
mod prompt;
pub mod session_events;
pub mod sessions;
pub mod state;
pub mod vanished;

use kit::ApiError;
use kit::db::{Db, TenantTx};
use kit::outbox::append_for_run;
use serde::Serialize;
use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::events::run::{StepComplete, StepFailed, StepStarted};
use shared_schemas::ids::TenantId;
use shared_schemas::pipeline::{OutputMethod, OutputSchema, PipelineConfig};

pub use crate::domain::outputs::StepResult;
use crate::domain::outputs::{Outcome, interpret};
use crate::domain::{machine, step_settings};
use crate::store::{self, runs::RunRow};
use agent_state::AgentState;
use effects::{Applied, pipeline_of, run_id, step_id};
use prompt::{prompt_for, system_prompt};
use session_events::Change;

/// Everything an executor needs to run one attempt.
#[derive(Debug, Clone, Serialize)]
pub struct StepWork {
    pub run_id: String,
    pub step_id: String,
    pub attempt: i32,
    /// The activity session of this attempt, the id STEP_STARTED announced.
    pub session_id: String,
    /// The tenant agent (`agt_…`) and the pipeline's slug for it.
    pub agent_id: String,
    pub agent_slug: String,
    pub prompt: String,
    pub system_prompt: String,
    /// `None`: the agent's own configured model.
    pub model: Option<String>,
    pub timeout_secs: u64,
    pub max_turns: u32,
    pub output_schema: Option<OutputSchema>,
    pub output_method: Option<OutputMethod>,
    /// Template variables the prompt named that had no value (rendered as "").
    pub missing_variables: Vec<String>,
}

/// What became of a reported result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Recorded and the run moved on (`ended`: it completed or failed).
    Routed { ended: bool },
    /// Recorded; the run is paused, so it moves on when resumed.
    Held,
    /// Not the current attempt or fence (a stale holder, or the run was cancelled/restarted).
    Stale,
}

// The executor's interface: the run, step, attempt and fence name what is taken, `now` comes
// from the caller's platform clock (tests move it).
#[allow(clippy::too_many_arguments)]
/// Takes attempt `attempt` of `step` (queued → running) for the holder of fencing token
/// `fence`. `None` when the attempt is not queued any more or the run is not running (paused,
/// cancelled, deleted).
pub async fn begin_attempt(
    db: &Db,
    tenant: &TenantId,
    run: &str,
    step: &str,
    attempt: i32,
    fence: i64,
    instance: &str,
    now: i64,
) -> Result<Option<StepWork>, ApiError> {
    let mut tx = TenantTx::begin(db.pool(), tenant).await?;
    let Some(run_row) = store::runs::lock(&mut tx, run).await? else {
        return Ok(None);
    };
    if run_row.status != "running" {
        return Ok(None);
    }
    let Some(step_row) = store::steps::get(&mut tx, run, step).await? else {
        return Ok(None);
    };
    if step_row.attempt != attempt || step_row.status != "queued" {
        return Ok(None);
    }
    let pipeline = pipeline_of(&run_row)?;
    let Some(config) = pipeline.step(step) else {
        return Ok(None);
    };
    let (prompt, missing) =
        prompt_for(&mut tx, &run_row, config, step_row.human_context.as_deref()).await?;
    if !store::attempts::start(
        &mut tx,
        store::attempts::Key { run, step, attempt },
        fence,
        instance,
        &prompt,
        now,
    )
    .await?
    {
        return Ok(None);
    }
    store::steps::transition(
        &mut tx,
        run,
        step,
        Some(attempt),
        &["queued"],
        "running",
        now,
    )
    .await?;
    let agent_id = step_row.agent_id.clone().unwrap_or_default();
    let session_id = session_id(run, step, attempt);
    let model = step_settings::model_for(run_row.model_override.as_deref(), &pipeline, config);
    store::sessions::start(
        &mut tx,
        &session_id,
        &agent_id,
        run,
        &prompt,
        model.as_deref(),
        now,
    )
    .await?;
    store::steps::set_session(&mut tx, run, step, &session_id).await?;
    let started = StepStarted {
        step_id: step_id(step)?,
        session_id: session_id.clone(),
    };
    append_for_run(&mut tx, &run_id(&run_row)?, Event::StepStarted(started)).await?;
    let rid = run_id(&run_row)?;
    agent_state::changed(&mut tx, &rid, step, &agent_id, AgentState::Working).await?;
    let ids = (session_id.as_str(), agent_id.as_str());
    session_events::changed(&mut tx, Some(&rid), Change::Created, ids, "running", None).await?;
    tx.commit().await?;
    if !missing.is_empty() {
        tracing::warn!(
            run,
            step,
            ?missing,
            "prompt variables without a value rendered empty"
        );
    }
    Ok(Some(StepWork {
        run_id: run.to_owned(),
        step_id: step.to_owned(),
        attempt,
        session_id,
        agent_id,
        agent_slug: step_row.agent_slug,
        system_prompt: system_prompt(&pipeline, config),
        prompt,
        model,
        timeout_secs: step_settings::timeout_secs(&pipeline, config),
        max_turns: step_settings::max_turns(&pipeline, config),
        output_schema: config.output_schema.clone(),
        output_method: config.output_method,
        missing_variables: missing,
    }))
}

#[allow(clippy::too_many_arguments)]
/// Records the result of attempt `attempt` of `step` held with `fence`, then (unless the run
/// is paused) applies the routing decision, all in one transaction.
pub async fn finish_attempt(
    db: &Db,
    tenant: &TenantId,
    run: &str,
    step: &str,
    attempt: i32,
    fence: i64,
    result: StepResult,
    now: i64,
) -> Result<Finished, ApiError> {
    let mut tx = TenantTx::begin(db.pool(), tenant).await?;
    let Some(run_row) = store::runs::lock(&mut tx, run).await? else {
        return Ok(Finished::Stale);
    };
    let current = store::steps::get(&mut tx, run, step).await?;
    if current.as_ref().map(|s| s.attempt) != Some(attempt) {
        return Ok(Finished::Stale);
    }
    let held = store::attempts::lock(&mut tx, run, step, attempt).await?;
    if !held.is_some_and(|a| a.status == "running" && a.fence == Some(fence)) {
        return Ok(Finished::Stale);
    }
    let pipeline = pipeline_of(&run_row)?;
    let Some(config) = pipeline.step(step) else {
        return Ok(Finished::Stale);
    };
    let outcome = interpret(config, &result);
    record(
        &mut tx,
        &run_row,
        step,
        attempt,
        &outcome,
        result.model_used.as_deref(),
        now,
    )
    .await?;
    if run_row.status != "running" {
        tx.commit().await?;
        return Ok(Finished::Held);
    }
    let applied = route(&mut tx, &run_row, &pipeline, step, &outcome, now).await?;
    tx.commit().await?;
    Ok(Finished::Routed {
        ended: applied == Applied::Ended,
    })
}

/// [`finish_attempt`], then, when the run ended, its slot back and the tenant's next queued
/// run admitted: what an executor in this service calls.
#[allow(clippy::too_many_arguments)]
pub async fn report(
    app: &crate::AppState,
    tenant: &TenantId,
    run: &str,
    step: &str,
    attempt: i32,
    fence: i64,
    result: StepResult,
) -> Result<Finished, ApiError> {
    let now = app.platform.clock.now_ms();
    let done = finish_attempt(
        &app.platform.db,
        tenant,
        run,
        step,
        attempt,
        fence,
        result,
        now,
    )
    .await?;
    if done == (Finished::Routed { ended: true }) {
        crate::flows::runs::admission::after_end(app, tenant, run).await;
    }
    Ok(done)
}

/// The activity session of an attempt: `{run}_{step}_{attempt}`, with a long step id shortened
/// (its head and a hash of the whole) so the id fits the 160 characters of `engine.sessions`.
pub fn session_id(run: &str, step: &str, attempt: i32) -> String {
    const STEP_BUDGET: usize = 80;
    if step.len() <= STEP_BUDGET {
        return format!("{run}_{step}_{attempt}");
    }
    // FNV-1a: stable across processes and releases, unlike the std hasher.
    let hash = step.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let head: String = step.chars().take(STEP_BUDGET - 17).collect();
    format!("{run}_{head}_{hash:016x}_{attempt}")
}

/// The routing decision for an attempt's outcome, applied.
pub async fn route(
    tx: &mut TenantTx,
    run: &RunRow,
    pipeline: &PipelineConfig,
    step: &str,
    outcome: &Outcome,
    now: i64,
) -> Result<Applied, ApiError> {
    match outcome {
        Outcome::Completed(outputs) => {
            effects::decide(tx, run, pipeline, now, |view| {
                machine::after_complete(view, step, outputs)
            })
            .await
        }
        Outcome::Failed(error) => {
            effects::decide(tx, run, pipeline, now, |view| {
                machine::after_failure(view, step, error)
            })
            .await
        }
    }
}

async fn record(
    tx: &mut TenantTx,
    run: &RunRow,
    step: &str,
    attempt: i32,
    outcome: &Outcome,
    model_used: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    let session = session_id(&run.id, step, attempt);
    let key = store::attempts::Key {
        run: &run.id,
        step,
        attempt,
    };
    match outcome {
        Outcome::Completed(outputs) => {
            let value = serde_json::to_value(outputs).map_err(ApiError::internal)?;
            store::attempts::finish(tx, key, &["running"], "completed", Some(&value), None, now)
                .await?;
            store::steps::transition(
                tx,
                &run.id,
                step,
                Some(attempt),
                &["running"],
                "completed",
                now,
            )
            .await?;
            store::steps::record_result(tx, &run.id, step, &value, None, model_used, now).await?;
            for (key, text) in outputs.iter().filter(|(_, v)| !v.is_empty()) {
                store::outputs::upsert(tx, &run.id, step, key, text, now).await?;
            }
            store::sessions::finish(
                tx,
                &session,
                "completed",
                outputs.get("summary").map(String::as_str),
                None,
                now,
            )
            .await?;
            let event = StepComplete {
                step_id: step_id(step)?,
                outputs: outputs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
                commit_hash: None,
            };
            append_for_run(tx, &run_id(run)?, Event::StepComplete(event)).await?;
        }
        Outcome::Failed(error) => {
            store::attempts::finish(tx, key, &["running"], "failed", None, Some(error), now)
                .await?;
            store::steps::transition(
                tx,
                &run.id,
                step,
                Some(attempt),
                &["running"],
                "failed",
                now,
            )
            .await?;
            store::steps::record_result(
                tx,
                &run.id,
                step,
                &Value::Object(Default::default()),
                Some(error),
                model_used,
                now,
            )
            .await?;
            store::sessions::finish(tx, &session, "failed", None, Some(error), now).await?;
            let retry_count = store::steps::get(tx, &run.id, step)
                .await?
                .map_or(0, |s| u32::try_from(s.retry_count).unwrap_or(0));
            let event = StepFailed {
                step_id: step_id(step)?,
                error: error.clone(),
                retry_count,
            };
            append_for_run(tx, &run_id(run)?, Event::StepFailed(event)).await?;
        }
    }
    let rid = run_id(run)?;
    let agent = agent_state::stopped(tx, &rid, step).await?;
    let (status, error) = match outcome {
        Outcome::Completed(_) => ("completed", None),
        Outcome::Failed(error) => ("failed", Some(error.as_str())),
    };
    let ids = (session.as_str(), agent.as_str());
    session_events::changed(tx, Some(&rid), Change::Ended, ids, status, error).await?;
    Ok(())
}
