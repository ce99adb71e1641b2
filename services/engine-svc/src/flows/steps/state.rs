//! The run-state endpoints the reference engine wrote over HTTP (loop state, outputs, step
//! rows), kept for clients and tools, and the executor's result report.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::db::TenantTx;
use kit::outbox::append_for_run;
use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::events::run_admin::{RunStatus, RunUpdated, StepStatus, StepUpdated};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::runs::{RunUpdatedAnswer, UpdateRunRequest};
use crate::api::steps::{
    CreateStepRequest, ExecutorResultRequest, SetOutputRequest, StepView, UpdateStepRequest,
};
use crate::flows::runs::admission;
use crate::flows::runs::control::{locked, run_not_found, step_not_found};
use crate::flows::steps::effects::{run_id, step_id};
use crate::flows::steps::{self, Finished};
use crate::store;

pub use super::loop_state::{advance, get_loop, patch_item, put_loop};

pub(super) async fn begin(app: &AppState, tenant: &TenantId) -> Result<TenantTx, ApiError> {
    Ok(TenantTx::begin(app.platform.db.pool(), tenant).await?)
}

pub async fn step(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    step: &str,
) -> Result<StepView, ApiError> {
    let mut tx = begin(app, tenant).await?;
    store::runs::get(&mut tx, run)
        .await?
        .ok_or_else(run_not_found)?;
    let row = store::steps::get(&mut tx, run, step)
        .await?
        .ok_or_else(step_not_found)?;
    tx.commit().await?;
    Ok(row.into())
}

pub async fn steps(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    status: Option<&str>,
) -> Result<Vec<StepView>, ApiError> {
    let mut tx = begin(app, tenant).await?;
    store::runs::get(&mut tx, run)
        .await?
        .ok_or_else(run_not_found)?;
    let rows = store::steps::list(&mut tx, run, status.filter(|s| !s.is_empty())).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(StepView::from).collect())
}

pub async fn create_step(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    req: &CreateStepRequest,
) -> Result<StepView, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = begin(app, tenant).await?;
    let row = locked(&mut tx, run).await?;
    let slug = store::steps::get(&mut tx, run, &req.step_id).await?;
    if slug.is_some() {
        return Err(ApiError::conflict(
            "step_exists",
            "the run has this step already",
        ));
    }
    let inputs =
        serde_json::to_value(req.inputs.clone().unwrap_or_default()).map_err(ApiError::internal)?;
    // The body's agent is a slug or an agent id; an id is kept as the platform agent.
    let agent_id = req
        .agent_id
        .starts_with("agt_")
        .then_some(req.agent_id.as_str())
        .map(str::to_owned)
        .or_else(|| row.agent_for(&req.agent_id));
    let new = store::steps::NewStep {
        step_id: &req.step_id,
        agent_slug: &req.agent_id,
        agent_id: agent_id.as_deref(),
        max_retries: req.max_retries.unwrap_or(3),
        inputs: &inputs,
    };
    store::steps::insert(&mut tx, run, &new, now).await?;
    if let Some(context) = &req.human_context {
        let patch = store::steps::Patch {
            human_context: Some(context),
            ..Default::default()
        };
        store::steps::patch(&mut tx, run, &req.step_id, &patch, now).await?;
    }
    let event = StepUpdated {
        step_id: step_id(&req.step_id)?,
        status: Some(StepStatus::Pending),
    };
    append_for_run(&mut tx, &run_id(&row)?, Event::StepUpdated(event)).await?;
    let created = store::steps::get(&mut tx, run, &req.step_id)
        .await?
        .ok_or_else(step_not_found)?;
    tx.commit().await?;
    Ok(created.into())
}

pub async fn patch_step(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    step: &str,
    req: &UpdateStepRequest,
) -> Result<StepView, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = begin(app, tenant).await?;
    let row = locked(&mut tx, run).await?;
    let inputs = req
        .inputs
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let outputs = req
        .outputs
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let patch = store::steps::Patch {
        status: req.status.as_deref(),
        session_id: req.session_id.as_deref(),
        inputs: inputs.as_ref(),
        outputs: outputs.as_ref(),
        error: req.error.as_deref(),
        retry_count: req.retry_count,
        started_at: req.started_at,
        completed_at: req.completed_at,
        human_context: req.human_context.as_deref(),
    };
    if !store::steps::patch(&mut tx, run, step, &patch, now).await? {
        return Err(step_not_found());
    }
    let status = req
        .status
        .as_deref()
        .and_then(|s| serde_json::from_value::<StepStatus>(Value::String(s.to_owned())).ok());
    let event = StepUpdated {
        step_id: step_id(step)?,
        status,
    };
    append_for_run(&mut tx, &run_id(&row)?, Event::StepUpdated(event)).await?;
    let updated = store::steps::get(&mut tx, run, step)
        .await?
        .ok_or_else(step_not_found)?;
    tx.commit().await?;
    Ok(updated.into())
}

pub async fn patch_run(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    req: &UpdateRunRequest,
) -> Result<RunUpdatedAnswer, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = begin(app, tenant).await?;
    let row = locked(&mut tx, run).await?;
    let outputs = req
        .outputs
        .as_ref()
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let patch = store::runs::Patch {
        outputs: outputs.as_ref(),
        current_step_id: req.current_step_id.as_deref(),
        human_context: req.human_context.as_deref(),
        key_resolution: req.key_resolution.as_ref(),
        model_override: req.model_override.as_deref(),
        completed_at: req.completed_at,
    };
    store::runs::patch(&mut tx, run, &patch, now).await?;
    let mut ended = false;
    if let Some(status) = &req.status {
        let from = ["pending", "queued", "running", "paused"];
        if !store::runs::transition(&mut tx, run, &from, status, None, now).await?
            && &row.status != status
        {
            return Err(ApiError::conflict(
                "run_not_active",
                format!("the run is {}", row.status),
            ));
        }
        ended = !row.is_terminal();
        crate::flows::steps::effects::cancel_open(
            &mut tx,
            &row,
            None,
            "the run was ended by a patch",
            now,
        )
        .await?;
    }
    let updated = locked(&mut tx, run).await?;
    let status: RunStatus = serde_json::from_value(Value::String(updated.status.clone()))
        .map_err(ApiError::internal)?;
    let event = RunUpdated {
        status,
        active_runs: None,
    };
    append_for_run(&mut tx, &run_id(&row)?, Event::RunUpdated(event)).await?;
    tx.commit().await?;
    if ended {
        admission::after_end(app, tenant, run).await;
    }
    Ok(RunUpdatedAnswer {
        id: updated.id,
        pipeline_id: updated.pipeline_id,
        status: updated.status,
        outputs: updated.outputs,
        current_step_id: updated.current_step_id,
        updated_at: updated.updated_at,
    })
}

pub async fn outputs(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
) -> Result<BTreeMap<String, String>, ApiError> {
    let mut tx = begin(app, tenant).await?;
    store::runs::get(&mut tx, run)
        .await?
        .ok_or_else(run_not_found)?;
    let all = store::outputs::all(&mut tx, run).await?;
    tx.commit().await?;
    Ok(all)
}

pub async fn set_output(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    req: &SetOutputRequest,
) -> Result<(), ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = begin(app, tenant).await?;
    locked(&mut tx, run).await?;
    store::outputs::upsert(&mut tx, run, &req.step_id, &req.key, &req.value, now).await?;
    let merged = serde_json::json!({ req.key.clone(): req.value.clone() });
    store::runs::merge_outputs(&mut tx, run, &merged, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The executor's report for the run's current attempt (or the one named), checked against
/// the attempt's fence like [`steps::finish_attempt`]; 409 `stale_attempt` when it is not current.
pub async fn executor_result(
    app: &AppState,
    tenant: &TenantId,
    req: &ExecutorResultRequest,
) -> Result<String, ApiError> {
    let mut tx = begin(app, tenant).await?;
    let run = store::runs::get(&mut tx, &req.run_id)
        .await?
        .ok_or_else(run_not_found)?;
    let step_name = req
        .step_id
        .clone()
        .or(run.current_step_id.clone())
        .ok_or_else(step_not_found)?;
    let row = store::steps::get(&mut tx, &run.id, &step_name)
        .await?
        .ok_or_else(step_not_found)?;
    let attempt = req.attempt.unwrap_or(row.attempt);
    let fence = match req.fence {
        Some(f) => f,
        None => store::attempts::lock(&mut tx, &run.id, &step_name, attempt)
            .await?
            .and_then(|a| a.fence)
            .unwrap_or(-1),
    };
    tx.commit().await?;
    let done = steps::report(
        app,
        tenant,
        &run.id,
        &step_name,
        attempt,
        fence,
        req.step_result(),
    )
    .await?;
    match done {
        Finished::Stale => Err(ApiError::conflict(
            "stale_attempt",
            "that attempt is not the step's current one",
        )),
        Finished::Held => Ok("recorded".to_owned()),
        Finished::Routed { .. } => Ok("recorded".to_owned()),
    }
}
