//! A person (or a tool) steering a run: cancel, pause, resume, restart the run or one step,
//! inject context. Each is one transaction on the locked run with its events; a run that ended
//! answers 409 `run_not_active` (restarting a whole run is the way back from an end).

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::outbox::append_for_run;
use shared_schemas::events::Event;
use shared_schemas::events::run::{HumanIntervention, InterventionAction};
use shared_schemas::events::run_admin::{RunStatus, RunStatusChanged};
use shared_schemas::ids::{RunId, TenantId};

use crate::AppState;
use crate::domain::outputs::Outcome;
use crate::flows::runs::admission;
use crate::flows::steps::{self, effects};
use crate::store::{self, runs::RunRow};

pub fn run_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "run_not_found", "run not found")
}

pub fn step_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "step_not_found", "step not found")
}

fn not_active(run: &RunRow) -> ApiError {
    ApiError::conflict(
        "run_not_active",
        format!("the run is {}; it can no longer be changed", run.status),
    )
}

/// The run, locked; 404 when the tenant has none with that id.
pub async fn locked(tx: &mut TenantTx, run: &str) -> Result<RunRow, ApiError> {
    store::runs::lock(tx, run).await?.ok_or_else(run_not_found)
}

async fn status_changed(
    tx: &mut TenantTx,
    run: &RunRow,
    status: RunStatus,
) -> Result<(), ApiError> {
    let event = RunStatusChanged {
        status,
        active_runs: None,
    };
    append_for_run(tx, &effects::run_id(run)?, Event::RunStatusChanged(event)).await?;
    Ok(())
}

async fn intervene(
    tx: &mut TenantTx,
    run: &RunRow,
    step: &str,
    action: InterventionAction,
    context: &str,
) -> Result<(), ApiError> {
    let event = HumanIntervention {
        step_id: step.to_owned(),
        action,
        context: context.to_owned(),
    };
    append_for_run(tx, &effects::run_id(run)?, Event::HumanIntervention(event)).await?;
    Ok(())
}

/// Cancels the run: open attempts cancelled (STEP_CANCELLED), HUMAN_INTERVENTION `stop` for
/// the executor to stop the runtime, RUN_STATUS_CHANGED `cancelled` (not RUN_FAILED).
pub async fn cancel(app: &AppState, tenant: &TenantId, id: &str) -> Result<RunRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = locked(&mut tx, id).await?;
    cancel_locked(&mut tx, &run, "cancelled by a person", now).await?;
    let run = locked(&mut tx, id).await?;
    tx.commit().await?;
    admission::after_end(app, tenant, id).await;
    Ok(run)
}

/// The cancel of a run locked in `tx` (also a stopped step session's, with its own reason).
pub async fn cancel_locked(
    tx: &mut TenantTx,
    run: &RunRow,
    reason: &str,
    now: i64,
) -> Result<(), ApiError> {
    let from = ["pending", "queued", "running", "paused"];
    if !store::runs::transition(tx, &run.id, &from, "cancelled", None, now).await? {
        return Err(not_active(run));
    }
    effects::cancel_open(tx, run, None, reason, now).await?;
    let step = run.current_step_id.clone().unwrap_or_default();
    intervene(tx, run, &step, InterventionAction::Stop, "").await?;
    status_changed(tx, run, RunStatus::Cancelled).await?;
    Ok(())
}

/// Pauses a running run: nothing new is queued; a step that is running finishes and its result
/// is recorded, but the run moves on only when resumed.
pub async fn pause(app: &AppState, tenant: &TenantId, id: &str) -> Result<RunRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = locked(&mut tx, id).await?;
    if run.status == "paused" {
        return Ok(run);
    }
    if !store::runs::transition(&mut tx, id, &["running"], "paused", None, now).await? {
        return Err(if run.is_terminal() {
            not_active(&run)
        } else {
            ApiError::conflict("run_not_running", format!("the run is {}", run.status))
        });
    }
    status_changed(&mut tx, &run, RunStatus::Paused).await?;
    let run = locked(&mut tx, id).await?;
    tx.commit().await?;
    Ok(run)
}

/// Resumes a paused run: a result recorded while paused is routed now, queued steps are
/// announced again; returns the run and those steps.
pub async fn resume(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
) -> Result<(RunRow, Vec<String>), ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let mut run = locked(&mut tx, id).await?;
    if !store::runs::transition(&mut tx, id, &["paused"], "running", None, now).await? {
        return Err(if run.is_terminal() {
            not_active(&run)
        } else {
            ApiError::conflict("run_not_paused", format!("the run is {}", run.status))
        });
    }
    run.status = "running".to_owned();
    status_changed(&mut tx, &run, RunStatus::Running).await?;
    let pipeline = effects::pipeline_of(&run)?;
    let mut ended = false;
    if let Some(current) = run.current_step_id.clone()
        && let Some(step) = store::steps::get(&mut tx, id, &current).await?
    {
        let held = match step.status.as_str() {
            "completed" => Some(Outcome::Completed(string_map(&step.outputs))),
            "failed" => Some(Outcome::Failed(step.error.clone().unwrap_or_default())),
            _ => None,
        };
        if let Some(outcome) = held {
            let applied = steps::route(&mut tx, &run, &pipeline, &current, &outcome, now).await?;
            ended = applied == effects::Applied::Ended;
        }
    }
    let mut requeued = Vec::new();
    for step in store::steps::list(&mut tx, id, Some("queued")).await? {
        effects::announce_queued(&mut tx, &run, &step.step_id, step.attempt).await?;
        requeued.push(step.step_id);
    }
    let run = locked(&mut tx, id).await?;
    tx.commit().await?;
    if ended {
        admission::after_end(app, tenant, id).await;
    }
    Ok((run, requeued))
}

fn string_map(value: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Restarts the whole run from its first step: a new generation with steps, outputs and loop
/// state reset; it waits for a slot like a new run.
pub async fn restart(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
    context: Option<&str>,
) -> Result<RunRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = locked(&mut tx, id).await?;
    let stopped = effects::cancel_open(&mut tx, &run, None, "the run restarts", now).await?;
    if !stopped.is_empty() {
        let step = run.current_step_id.clone().unwrap_or_default();
        intervene(&mut tx, &run, &step, InterventionAction::Stop, "").await?;
    }
    store::steps::reset_all(&mut tx, id, now).await?;
    store::outputs::clear(&mut tx, id).await?;
    store::loop_state::clear(&mut tx, id).await?;
    store::runs::reset(&mut tx, id, context, now).await?;
    status_changed(&mut tx, &run, RunStatus::Queued).await?;
    tx.commit().await?;
    if let Err(err) = admission::admit(app, tenant).await {
        tracing::warn!(error = %err, run = id, "admission failed; the sweep retries");
    }
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = locked(&mut tx, id).await?;
    tx.commit().await?;
    Ok(run)
}

/// Runs one step again (a new attempt) with `[HUMAN RESTART]` and the context in its prompt;
/// whatever else of the run was queued or running is cancelled first.
pub async fn restart_step(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
    step: &str,
    context: Option<&str>,
) -> Result<RunRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = locked(&mut tx, id).await?;
    if run.is_terminal() || run.status == "queued" || run.status == "pending" {
        return Err(not_active(&run));
    }
    store::steps::get(&mut tx, id, step)
        .await?
        .ok_or_else(step_not_found)?;
    let context = context.unwrap_or("");
    effects::cancel_open(&mut tx, &run, None, "restarted by a person", now).await?;
    intervene(&mut tx, &run, step, InterventionAction::Restart, context).await?;
    let note = format!("[HUMAN RESTART] {context}");
    effects::queue(&mut tx, &run, step, Some(note.trim_end()), now).await?;
    let run = locked(&mut tx, id).await?;
    tx.commit().await?;
    Ok(run)
}

/// Adds context to a step's next prompt (`[ADDITIONAL CONTEXT] …`) and tells the executor.
pub async fn inject(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
    step: &str,
    context: &str,
) -> Result<RunRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = locked(&mut tx, id).await?;
    if run.is_terminal() {
        return Err(not_active(&run));
    }
    let row = store::steps::get(&mut tx, id, step)
        .await?
        .ok_or_else(step_not_found)?;
    let addition = format!("[ADDITIONAL CONTEXT] {context}");
    let joined = match row.human_context.filter(|c| !c.is_empty()) {
        Some(before) => format!("{before}\n\n{addition}"),
        None => addition,
    };
    let patch = store::steps::Patch {
        human_context: Some(&joined),
        ..Default::default()
    };
    store::steps::patch(&mut tx, id, step, &patch, now).await?;
    intervene(
        &mut tx,
        &run,
        step,
        InterventionAction::InjectContext,
        context,
    )
    .await?;
    let run = locked(&mut tx, id).await?;
    tx.commit().await?;
    Ok(run)
}

/// Parses a run id of a path; anything else names no run (404).
pub fn parse_run(id: &str) -> Result<RunId, ApiError> {
    RunId::parse(id.to_owned()).map_err(|_| run_not_found())
}
