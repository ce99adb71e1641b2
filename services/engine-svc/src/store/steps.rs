//! `engine.steps`: the current state of each pipeline step of a run, one row per step made when
//! the run is created. Queueing a step starts a new attempt (`engine.step_attempts`).

use kit::db::TenantTx;
use serde_json::Value;

pub const COLUMNS: &str = "run_id, step_id, agent_slug, agent_id, status, attempt, session_id,
    inputs, outputs, error, retry_count, max_retries, human_context, model_used, queued_at,
    started_at, completed_at, updated_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    pub run_id: String,
    pub step_id: String,
    pub agent_slug: String,
    pub agent_id: Option<String>,
    pub status: String,
    pub attempt: i32,
    pub session_id: Option<String>,
    pub inputs: Value,
    pub outputs: Value,
    pub error: Option<String>,
    pub retry_count: i32,
    pub max_retries: i32,
    pub human_context: Option<String>,
    pub model_used: Option<String>,
    pub queued_at: Option<i64>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

/// A step row as the run starts it (`pending`).
pub struct NewStep<'a> {
    pub step_id: &'a str,
    pub agent_slug: &'a str,
    pub agent_id: Option<&'a str>,
    pub max_retries: i32,
    pub inputs: &'a Value,
}

/// Inserts a pending step; false when the run has it already.
pub async fn insert(tx: &mut TenantTx, run: &str, s: &NewStep<'_>, now: i64) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "insert into engine.steps (tenant_id, run_id, step_id, agent_slug, agent_id, status,
             max_retries, inputs, updated_at)
         values ($1, $2, $3, $4, $5, 'pending', $6, $7, $8) on conflict do nothing",
    )
    .bind(&tenant)
    .bind(run)
    .bind(s.step_id)
    .bind(s.agent_slug)
    .bind(s.agent_id)
    .bind(s.max_retries)
    .bind(s.inputs)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(tx: &mut TenantTx, run: &str, step: &str) -> sqlx::Result<Option<StepRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "select {COLUMNS} from engine.steps where tenant_id = $1 and run_id = $2 and step_id = $3"
    ))
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn list(
    tx: &mut TenantTx,
    run: &str,
    status: Option<&str>,
) -> sqlx::Result<Vec<StepRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "select {COLUMNS} from engine.steps
          where tenant_id = $1 and run_id = $2 and ($3::text is null or status = $3)
          order by coalesce(queued_at, 9223372036854775807), step_id"
    ))
    .bind(&tenant)
    .bind(run)
    .bind(status)
    .fetch_all(&mut **tx)
    .await
}

/// Starts a new attempt of the step: `queued`, attempt + 1, the given human context; returns
/// the attempt's number. A step whose attempt is running is not touched (None).
pub async fn queue(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    human_context: Option<&str>,
    now: i64,
) -> sqlx::Result<Option<i32>> {
    let tenant = tx.tenant().clone();
    sqlx::query_scalar(
        "update engine.steps
            set status = 'queued', attempt = attempt + 1, human_context = $4, error = null,
                session_id = null, queued_at = $5, started_at = null, completed_at = null,
                updated_at = $5
          where tenant_id = $1 and run_id = $2 and step_id = $3 and status <> 'running'
          returning attempt",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(human_context)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await
}

/// Moves the step (at `attempt`) from one of `from` to `to`; false when it was not there.
pub async fn transition(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    attempt: Option<i32>,
    from: &[&str],
    to: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let from: Vec<String> = from.iter().map(|s| (*s).to_owned()).collect();
    let done = sqlx::query(
        "update engine.steps
            set status = $5, updated_at = $6,
                started_at = case when $5 = 'running' then $6 else started_at end,
                completed_at = case when $5 in ('completed', 'failed', 'cancelled') then $6
                                    else completed_at end
          where tenant_id = $1 and run_id = $2 and step_id = $3
            and ($4::int is null or attempt = $4) and status = any($7)",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(attempt)
    .bind(to)
    .bind(now)
    .bind(&from)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records what the attempt produced on the step row.
pub async fn record_result(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    outputs: &Value,
    error: Option<&str>,
    model_used: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.steps
            set outputs = $4, error = $5, model_used = coalesce($6, model_used), updated_at = $7
          where tenant_id = $1 and run_id = $2 and step_id = $3",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(outputs)
    .bind(error)
    .bind(model_used)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

pub async fn set_session(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    session: &str,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.steps set session_id = $4
          where tenant_id = $1 and run_id = $2 and step_id = $3",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(session)
    .execute(&mut **tx)
    .await
    .map(drop)
}

pub async fn set_retry_count(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    retry_count: i32,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.steps set retry_count = $4
          where tenant_id = $1 and run_id = $2 and step_id = $3",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(retry_count)
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// What `PATCH /v1/runs/{r}/steps/{s}` may change.
#[derive(Debug, Default)]
pub struct Patch<'a> {
    pub status: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub inputs: Option<&'a Value>,
    pub outputs: Option<&'a Value>,
    pub error: Option<&'a str>,
    pub retry_count: Option<i32>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub human_context: Option<&'a str>,
}

pub async fn patch(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    p: &Patch<'_>,
    now: i64,
) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "update engine.steps
            set status = coalesce($4, status), session_id = coalesce($5, session_id),
                inputs = coalesce($6, inputs), outputs = coalesce($7, outputs),
                error = coalesce($8, error), retry_count = coalesce($9, retry_count),
                started_at = coalesce($10, started_at), completed_at = coalesce($11, completed_at),
                human_context = coalesce($12, human_context), updated_at = $13
          where tenant_id = $1 and run_id = $2 and step_id = $3",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(p.status)
    .bind(p.session_id)
    .bind(p.inputs)
    .bind(p.outputs)
    .bind(p.error)
    .bind(p.retry_count)
    .bind(p.started_at)
    .bind(p.completed_at)
    .bind(p.human_context)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every step of the run back to `pending` with no outputs, retries or context (a restart).
pub async fn reset_all(tx: &mut TenantTx, run: &str, now: i64) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.steps
            set status = 'pending', outputs = '{}', error = null, retry_count = 0,
                human_context = null, session_id = null, queued_at = null, started_at = null,
                completed_at = null, updated_at = $3
          where tenant_id = $1 and run_id = $2",
    )
    .bind(&tenant)
    .bind(run)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}
