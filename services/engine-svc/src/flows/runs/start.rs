//! Starting a run, from `POST /v1/runs/` or from project-svc's `RUN_REQUESTED` (whose run id
//! the requester chose, so a redelivered request starts nothing twice). The pipeline's YAML is
//! kept on the run; its agent slugs are resolved to the tenant's agents before anything is
//! written; the run is inserted `queued` with a `pending` row per step, then admitted.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::outbox::{append_for_run, first_delivery};
use serde_json::{Map, Value};
use shared_schemas::events::run::{RunCreated, RunFailed};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{PipelineId, RunId, TenantId};
use shared_schemas::pipeline::{PipelineConfig, parse_pipeline};
use shared_schemas::runs::StartRun;

use crate::AppState;
use crate::domain::step_settings;
use crate::flows::runs::admission;
use crate::flows::runs::agents::Lookup;
use crate::store::{self, runs::RunRow};

/// The pipeline agent whose slug a run's own agent (`StartRun.agentId`) stands for.
pub const EXECUTOR_SLUG: &str = "executor";
/// The consumer name under which applied `RUN_REQUESTED` ids are recorded.
pub const CONSUMER: &str = "engine-run-requests";

/// Starts a run; answers the existing run when `id` names one already.
pub async fn start(
    app: &AppState,
    tenant: &TenantId,
    id: Option<RunId>,
    req: &StartRun,
    initiated_by: Option<&str>,
) -> Result<RunRow, ApiError> {
    start_once(app, tenant, id, req, initiated_by, None).await
}

/// [`start`], recording `event` (when given) as applied in the transaction that inserts the run.
async fn start_once(
    app: &AppState,
    tenant: &TenantId,
    id: Option<RunId>,
    req: &StartRun,
    initiated_by: Option<&str>,
    event: Option<&str>,
) -> Result<RunRow, ApiError> {
    let id = id.unwrap_or_else(RunId::generate);
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    if let Some(existing) = store::runs::get(&mut tx, id.as_str()).await? {
        return Ok(existing);
    }
    let pipeline_row = store::pipelines::effective(&mut tx, req.pipeline_id.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "pipeline_not_found",
                format!("pipeline {} not found", req.pipeline_id.as_str()),
            )
        })?;
    tx.commit().await?;
    let pipeline = parse_pipeline(&pipeline_row.yaml_content).map_err(|errors| {
        let first = errors.first().map(|e| e.to_string()).unwrap_or_default();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_pipeline",
            format!(
                "pipeline {} does not parse: {first}",
                req.pipeline_id.as_str()
            ),
        )
    })?;
    // agent-svc is asked before the transaction opens (never while one is open).
    let agents = resolve_agents(app, tenant, &pipeline, req).await?;
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    if let Some(event) = event
        && !first_delivery(&mut tx, CONSUMER, event).await?
    {
        tx.rollback().await?;
        return Err(ApiError::conflict(
            "already_applied",
            "this request was applied already",
        ));
    }
    let inserted = insert(
        &mut tx,
        &id,
        req,
        &pipeline_row.yaml_content,
        &pipeline,
        &agents,
        initiated_by,
        now,
    )
    .await?;
    let run = store::runs::get(&mut tx, id.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::conflict(
                "run_id_taken",
                "a run with this id exists in another tenant",
            )
        })?;
    tx.commit().await?;
    // The run is recorded: a failed admission leaves it queued for the sweep, not refused.
    if inserted && let Err(err) = admission::admit(app, tenant).await {
        tracing::warn!(error = %err, run = %id.as_str(), "admission failed; the sweep retries");
    }
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = store::runs::get(&mut tx, id.as_str()).await?.unwrap_or(run);
    tx.commit().await?;
    Ok(run)
}

/// `RUN_REQUESTED`: the run starts once; a pipeline or agent that cannot be found fails the
/// run with the reason (project-svc learns it from `RUN_FAILED`). Returns false for a repeat.
pub async fn start_requested(
    app: &AppState,
    envelope: &EventEnvelope,
    req: &StartRun,
) -> Result<bool, ApiError> {
    let tenant = &envelope.tenant_id;
    let Some(id) = envelope.run_id.clone() else {
        tracing::warn!(event = %envelope.id.as_str(), "RUN_REQUESTED without a run id: skipped");
        return Ok(false);
    };
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let exists = store::runs::get(&mut tx, id.as_str()).await?.is_some();
    tx.commit().await?;
    if exists {
        return Ok(false);
    }
    let event = envelope.id.as_str();
    match start_once(app, tenant, Some(id.clone()), req, None, Some(event)).await {
        Ok(_) => Ok(true),
        Err(err) if err.status() == StatusCode::CONFLICT => Ok(false),
        Err(err) if err.status().is_client_error() => {
            record_refused(app, tenant, &id, req, event, &err.to_string()).await
        }
        Err(err) => Err(err),
    }
}

/// A requested run that could not start is kept as `failed` with the reason.
async fn record_refused(
    app: &AppState,
    tenant: &TenantId,
    id: &RunId,
    req: &StartRun,
    event: &str,
    reason: &str,
) -> Result<bool, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    if !first_delivery(&mut tx, CONSUMER, event).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let empty = Value::Object(Map::new());
    let new = new_run(id, req, "", &empty, None);
    if store::runs::insert(&mut tx, &new, now).await? {
        store::runs::transition(
            &mut tx,
            id.as_str(),
            &["queued"],
            "failed",
            Some(reason),
            now,
        )
        .await?;
        let failed = RunFailed {
            error: reason.to_owned(),
        };
        append_for_run(&mut tx, id, Event::RunFailed(failed)).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// slug → `agt_` id for every agent of the pipeline; the run's own agent stands for
/// `executor`. A slug the tenant has no agent for is 422 `agent_not_found` naming it.
async fn resolve_agents(
    app: &AppState,
    tenant: &TenantId,
    pipeline: &PipelineConfig,
    req: &StartRun,
) -> Result<Map<String, Value>, ApiError> {
    let mut map = Map::new();
    for agent in &pipeline.agents {
        let id = match (&req.agent_id, agent.id.as_str()) {
            (Some(own), EXECUTOR_SLUG) => own.as_str().to_owned(),
            _ => match app.agents.resolve(tenant, &agent.id).await? {
                Lookup::Found(id) => id,
                Lookup::Missing => {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "agent_not_found",
                        format!(
                            "pipeline agent `{}` matches no agent of this tenant (by slug)",
                            agent.id
                        ),
                    ));
                }
            },
        };
        map.insert(agent.id.clone(), Value::String(id));
    }
    Ok(map)
}

fn new_run<'a>(
    id: &'a RunId,
    req: &'a StartRun,
    yaml: &'a str,
    agents: &'a Value,
    initiated_by: Option<&'a str>,
) -> store::runs::NewRun<'a> {
    store::runs::NewRun {
        id: id.as_str(),
        pipeline_id: req.pipeline_id.as_str(),
        pipeline_yaml: yaml,
        task: &req.task,
        human_context: req.context.as_deref(),
        project_id: req.project_id.as_ref().map(|p| p.as_str()),
        task_id: req.task_id.as_ref().map(|t| t.as_str()),
        agent_id: req.agent_id.as_ref().map(|a| a.as_str()),
        initiated_by_user_id: initiated_by,
        key_user_id: req.key_user_id.as_ref().map(|u| u.as_str()),
        model_override: req.model_override.as_deref(),
        agents,
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    tx: &mut TenantTx,
    id: &RunId,
    req: &StartRun,
    yaml: &str,
    pipeline: &PipelineConfig,
    agents: &Map<String, Value>,
    initiated_by: Option<&str>,
    now: i64,
) -> Result<bool, ApiError> {
    let agents_value = Value::Object(agents.clone());
    let new = new_run(id, req, yaml, &agents_value, initiated_by);
    if !store::runs::insert(tx, &new, now).await? {
        return Ok(false);
    }
    let empty = Value::Object(Map::new());
    for step in &pipeline.steps {
        let agent_id = agents.get(&step.agent).and_then(Value::as_str);
        let max_retries =
            i32::try_from(step_settings::max_retries(pipeline, step)).unwrap_or(i32::MAX);
        let row = store::steps::NewStep {
            step_id: step.id.as_str(),
            agent_slug: &step.agent,
            agent_id,
            max_retries,
            inputs: &empty,
        };
        store::steps::insert(tx, id.as_str(), &row, now).await?;
    }
    let created = RunCreated {
        pipeline_id: PipelineId::parse(req.pipeline_id.as_str()).map_err(ApiError::internal)?,
        task_description: req.task.clone(),
        active_runs: None,
    };
    append_for_run(tx, id, Event::RunCreated(created)).await?;
    Ok(true)
}
