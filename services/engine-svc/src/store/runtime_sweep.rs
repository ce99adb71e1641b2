//! The sweeps' look across tenants: which runs are still active, which tenants have runs
//! waiting or running. Read under `app.scope = 'engine-sweep'` (a read-only policy on
//! `engine.runs`); nothing here writes.

use std::collections::HashMap;

use kit::db::LookupTx;
use shared_schemas::ids::{RunId, TenantId};

/// The scope the `engine_sweep` policies check.
pub const SCOPE: (&str, &str) = ("app.scope", "engine-sweep");

/// Statuses of a run that may still have a runtime (a paused run finishes its current step).
pub const ACTIVE: &[&str] = &["pending", "queued", "running", "paused"];

/// The status of each of `runs` that exists (deleted runs are absent).
pub async fn run_statuses(
    tx: &mut LookupTx,
    runs: &[RunId],
) -> Result<HashMap<RunId, String>, sqlx::Error> {
    let ids: Vec<&str> = runs.iter().map(RunId::as_str).collect();
    let rows: Vec<(RunId, String)> =
        sqlx::query_as("select id, status from engine.runs where id = any($1)")
            .bind(&ids)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().collect())
}

/// A running attempt and the engine instance that runs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunningAttempt {
    pub tenant_id: String,
    pub run_id: String,
    pub step_id: String,
    pub attempt: i32,
    pub instance_id: String,
}

/// Every running attempt of every tenant that names its engine instance.
pub async fn running_attempts(tx: &mut LookupTx) -> Result<Vec<RunningAttempt>, sqlx::Error> {
    sqlx::query_as(
        "select tenant_id, run_id, step_id, attempt, instance_id from engine.step_attempts
          where status = 'running' and instance_id is not null",
    )
    .fetch_all(&mut **tx)
    .await
}

/// Tenants with runs in `status` (the sweep's cross-tenant read under `engine-sweep`).
pub async fn tenants_with(tx: &mut LookupTx, status: &str) -> sqlx::Result<Vec<TenantId>> {
    sqlx::query_scalar("select distinct tenant_id from engine.runs where status = $1 limit 10000")
        .bind(status)
        .fetch_all(&mut **tx)
        .await
}

/// Every running run (tenant, id): their slots are renewed by the sweep.
pub async fn all_running(tx: &mut LookupTx) -> sqlx::Result<Vec<(TenantId, String)>> {
    sqlx::query_as(
        "select tenant_id, id from engine.runs where status in ('running', 'paused') limit 100000",
    )
    .fetch_all(&mut **tx)
    .await
}
