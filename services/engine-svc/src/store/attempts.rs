//! `engine.step_attempts`: every execution of a step, with the fencing token of the run lease
//! that ran it. A result is accepted only for the current attempt with its fence.

use kit::db::TenantTx;
use serde_json::Value;

/// One attempt of one step of a run.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    pub run: &'a str,
    pub step: &'a str,
    pub attempt: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub attempt: i32,
    pub status: String,
    pub fence: Option<i64>,
    pub instance_id: Option<String>,
}

pub async fn insert(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    attempt: i32,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "insert into engine.step_attempts (tenant_id, run_id, step_id, attempt, status, created_at)
         values ($1, $2, $3, $4, 'queued', $5)",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(attempt)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// `queued` → `running` for that attempt, with the fence and instance that run it and the
/// prompt it was given; false when the attempt is not queued (stale, cancelled, taken).
pub async fn start(
    tx: &mut TenantTx,
    key: Key<'_>,
    fence: i64,
    instance: &str,
    prompt: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "update engine.step_attempts
            set status = 'running', fence = $5, instance_id = $6, prompt = $7, started_at = $8
          where tenant_id = $1 and run_id = $2 and step_id = $3 and attempt = $4
            and status = 'queued'",
    )
    .bind(&tenant)
    .bind(key.run)
    .bind(key.step)
    .bind(key.attempt)
    .bind(fence)
    .bind(instance)
    .bind(prompt)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The attempt row, without locking it (for watching it while it runs).
pub async fn get(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    attempt: i32,
) -> sqlx::Result<Option<AttemptRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(
        "select attempt, status, fence, instance_id from engine.step_attempts
          where tenant_id = $1 and run_id = $2 and step_id = $3 and attempt = $4",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(attempt)
    .fetch_optional(&mut **tx)
    .await
}

/// Locks the attempt row.
pub async fn lock(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    attempt: i32,
) -> sqlx::Result<Option<AttemptRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(
        "select attempt, status, fence, instance_id from engine.step_attempts
          where tenant_id = $1 and run_id = $2 and step_id = $3 and attempt = $4 for update",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(attempt)
    .fetch_optional(&mut **tx)
    .await
}

/// Ends the attempt (`completed`, `failed` or `cancelled`) if it is in one of `from`.
pub async fn finish(
    tx: &mut TenantTx,
    key: Key<'_>,
    from: &[&str],
    to: &str,
    outputs: Option<&Value>,
    error: Option<&str>,
    now: i64,
) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let from: Vec<String> = from.iter().map(|s| (*s).to_owned()).collect();
    let done = sqlx::query(
        "update engine.step_attempts
            set status = $5, outputs = coalesce($6, outputs), error = $7, ended_at = $8
          where tenant_id = $1 and run_id = $2 and step_id = $3 and attempt = $4
            and status = any($9)",
    )
    .bind(&tenant)
    .bind(key.run)
    .bind(key.step)
    .bind(key.attempt)
    .bind(to)
    .bind(outputs)
    .bind(error)
    .bind(now)
    .bind(&from)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels every attempt of the run still queued or running; returns (step, attempt) of each.
pub async fn cancel_open(
    tx: &mut TenantTx,
    run: &str,
    step: Option<&str>,
    now: i64,
) -> sqlx::Result<Vec<(String, i32, bool)>> {
    let tenant = tx.tenant().clone();
    // `started_at` is set when an attempt starts running: says which were running.
    sqlx::query_as(
        "update engine.step_attempts set status = 'cancelled', ended_at = $4
          where tenant_id = $1 and run_id = $2 and ($3::text is null or step_id = $3)
            and status in ('queued', 'running')
          returning step_id, attempt, started_at is not null",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(now)
    .fetch_all(&mut **tx)
    .await
}
