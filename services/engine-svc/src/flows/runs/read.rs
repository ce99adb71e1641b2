//! Reads: a run with its steps, lists, the run's event and log streams, the engine's status.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::db::TenantTx;
use serde_json::Value;
use shared_schemas::ids::{RunId, TenantId};

use crate::AppState;
use crate::api::runs::{
    DEFAULT_LIMIT, EngineStatus, ListRunsQuery, LogEntry, RunDetail, RunHistory, RunHistoryQuery,
    RunSummary,
};
use crate::api::steps::StepView;
use crate::flows::runs::control::run_not_found;
use crate::store::{self, runs::Filter};

pub async fn detail(app: &AppState, tenant: &TenantId, id: &str) -> Result<RunDetail, ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = store::runs::get(&mut tx, id)
        .await?
        .ok_or_else(run_not_found)?;
    let steps = store::steps::list(&mut tx, id, None).await?;
    tx.commit().await?;
    Ok(RunDetail::new(
        run,
        steps.into_iter().map(StepView::from).collect(),
    ))
}

pub async fn list(
    app: &AppState,
    tenant: &TenantId,
    q: &ListRunsQuery,
) -> Result<(Vec<RunSummary>, i64), ApiError> {
    let filter = Filter {
        pipeline_id: q.pipeline_id.as_deref().filter(|s| !s.is_empty()),
        status: q.status.as_deref().filter(|s| !s.is_empty()),
        project_id: q.project_id.as_deref().filter(|s| !s.is_empty()),
        task_id: q.task_id.as_deref().filter(|s| !s.is_empty()),
        agent_id: q.agent_id.as_deref().filter(|s| !s.is_empty()),
        since: None,
    };
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let (rows, total) = store::runs::list(
        &mut tx,
        &filter,
        q.limit.unwrap_or(DEFAULT_LIMIT),
        q.offset.unwrap_or(0),
    )
    .await?;
    tx.commit().await?;
    Ok((rows.iter().map(RunSummary::from).collect(), total))
}

/// `GET /v1/internal/run-history`: runs with (by default) their steps, newest first.
pub async fn history(
    app: &AppState,
    tenant: &TenantId,
    q: &RunHistoryQuery,
) -> Result<RunHistory, ApiError> {
    let filter = Filter {
        pipeline_id: None,
        status: q.status.as_deref().filter(|s| !s.is_empty()),
        project_id: q.project_id.as_deref().filter(|s| !s.is_empty()),
        task_id: q.task_id.as_deref().filter(|s| !s.is_empty()),
        agent_id: q.agent_id.as_deref().filter(|s| !s.is_empty()),
        since: q.since,
    };
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let (rows, total) = store::runs::list(&mut tx, &filter, q.limit.unwrap_or(10), 0).await?;
    let mut runs = Vec::with_capacity(rows.len());
    for run in rows {
        let steps = if q.include_steps.unwrap_or(true) {
            store::steps::list(&mut tx, &run.id, None).await?
        } else {
            Vec::new()
        };
        runs.push(RunDetail::new(
            run,
            steps.into_iter().map(StepView::from).collect(),
        ));
    }
    tx.commit().await?;
    Ok(RunHistory { runs, total })
}

/// The runs of one task (executor runs), newest first.
pub async fn of_task(
    app: &AppState,
    tenant: &TenantId,
    project: &str,
    task: &str,
    limit: i64,
) -> Result<Vec<RunSummary>, ApiError> {
    let filter = Filter {
        project_id: Some(project),
        task_id: Some(task),
        ..Filter::default()
    };
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let (rows, _) = store::runs::list(&mut tx, &filter, limit, 0).await?;
    tx.commit().await?;
    Ok(rows.iter().map(RunSummary::from).collect())
}

/// Entries of the run's event stream (`logs: false`) or of its step log stream, oldest first,
/// at most 1000; only entries of `step` when given. 503 when Redis cannot be read.
pub async fn stream(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
    logs: bool,
    step: Option<&str>,
) -> Result<Vec<LogEntry>, ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = store::runs::get(&mut tx, id)
        .await?
        .ok_or_else(run_not_found)?;
    if let Some(step) = step {
        store::steps::get(&mut tx, id, step)
            .await?
            .ok_or_else(crate::flows::runs::control::step_not_found)?;
    }
    tx.commit().await?;
    let run_id = RunId::parse(run.id).map_err(ApiError::internal)?;
    let key = if logs {
        app.platform.keys.run_logs(tenant, &run_id)
    } else {
        app.platform.keys.run_events(tenant, &run_id)
    };
    let mut conn = app.platform.redis.clone();
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(&key)
        .arg("-")
        .arg("+")
        .arg("COUNT")
        .arg(1000)
        .query_async(&mut conn)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "run stream unreadable");
            ApiError::unavailable(
                "logs_unavailable",
                "the run's log store cannot be read right now",
            )
        })?;
    Ok(entries
        .into_iter()
        .map(|(entry, fields)| LogEntry {
            id: entry,
            fields: fields
                .into_iter()
                .map(|(k, v)| {
                    let value = if k == "data" {
                        serde_json::from_str(&v).unwrap_or(Value::String(v))
                    } else {
                        Value::String(v)
                    };
                    (k, value)
                })
                .collect(),
        })
        .filter(|e| step.is_none_or(|s| entry_step(e) == Some(s)))
        .collect())
}

fn entry_step(entry: &LogEntry) -> Option<&str> {
    entry
        .fields
        .get("stepId")
        .or_else(|| entry.fields.get("step_id"))
        .or_else(|| entry.fields.get("data").and_then(|d| d.get("stepId")))
        .and_then(Value::as_str)
}

/// `GET /v1/status`.
pub async fn status(app: &AppState, tenant: &TenantId) -> Result<EngineStatus, ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let counts: BTreeMap<String, i64> = store::runs::count_by_status(&mut tx)
        .await?
        .into_iter()
        .collect();
    let pipelines = store::pipelines::pipeline_count(&mut tx).await?;
    tx.commit().await?;
    let limit = app
        .config
        .running_limit(app.agents.max_running_runs(tenant).await);
    Ok(EngineStatus {
        status: "ok".to_owned(),
        active_runs: counts.get("running").copied().unwrap_or(0)
            + counts.get("paused").copied().unwrap_or(0),
        queued_runs: counts.get("queued").copied().unwrap_or(0),
        total_runs: counts.values().sum(),
        total_pipelines: pipelines,
        runs_by_status: counts,
        max_running_runs: limit,
    })
}
