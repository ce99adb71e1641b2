//! `engine.sessions`: one activity session per agent execution (here: each step attempt, whose
//! session id is the one `STEP_STARTED` announces), and their events.

use kit::db::TenantTx;
use serde_json::Value;

pub const COLUMNS: &str = "id, agent_id, user_id, source, source_id, status, user_prompt, output,
    error, model, turn_count, key_resolution, created_at, started_at, completed_at";

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SessionRow {
    pub id: String,
    pub agent_id: String,
    pub user_id: Option<String>,
    pub source: String,
    pub source_id: Option<String>,
    pub status: String,
    pub user_prompt: Option<String>,
    pub output: Option<String>,
    pub error: Option<String>,
    pub model: Option<String>,
    pub turn_count: i32,
    pub key_resolution: Option<Value>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SessionEventRow {
    pub id: i64,
    pub event_type: String,
    pub timestamp: i64,
    pub data: Value,
}

/// A running session of a pipeline step (idempotent on its id).
pub async fn start(
    tx: &mut TenantTx,
    id: &str,
    agent: &str,
    run: &str,
    prompt: &str,
    model: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "insert into engine.sessions (id, tenant_id, agent_id, source, source_id, status,
             user_prompt, model, created_at, started_at)
         values ($1, $2, $3, 'pipeline', $4, 'running', $5, $6, $7, $7)
         on conflict do nothing",
    )
    .bind(id)
    .bind(&tenant)
    .bind(agent)
    .bind(run)
    .bind(prompt)
    .bind(model)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// Ends a running session.
pub async fn finish(
    tx: &mut TenantTx,
    id: &str,
    status: &str,
    output: Option<&str>,
    error: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update engine.sessions set status = $3, output = $4, error = $5, completed_at = $6
          where tenant_id = $1 and id = $2 and status in ('starting', 'running')",
    )
    .bind(&tenant)
    .bind(id)
    .bind(status)
    .bind(output)
    .bind(error)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

pub async fn list(
    tx: &mut TenantTx,
    agents: &[String],
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<SessionRow>, i64)> {
    let tenant = tx.tenant().clone();
    let filter = "tenant_id = $1 and (cardinality($2::text[]) = 0 or agent_id = any($2))
        and ($3::text is null or status = $3)";
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from engine.sessions where {filter}
          order by created_at desc, id desc limit $4 offset $5"
    ))
    .bind(&tenant)
    .bind(agents)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    let (total,): (i64,) = sqlx::query_as(&format!(
        "select count(*) from engine.sessions where {filter}"
    ))
    .bind(&tenant)
    .bind(agents)
    .bind(status)
    .fetch_one(&mut **tx)
    .await?;
    Ok((rows, total))
}

pub async fn get(tx: &mut TenantTx, id: &str) -> sqlx::Result<Option<SessionRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "select {COLUMNS} from engine.sessions where tenant_id = $1 and id = $2"
    ))
    .bind(&tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn events(tx: &mut TenantTx, id: &str, limit: i64) -> sqlx::Result<Vec<SessionEventRow>> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(
        "select id, event_type, timestamp, data from engine.session_events
          where tenant_id = $1 and session_id = $2 order by id limit $3",
    )
    .bind(&tenant)
    .bind(id)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}

/// Sessions of a run's steps, removed with the run (they are not tied to it by a key).
pub async fn delete_of_run(tx: &mut TenantTx, run: &str) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query("delete from engine.sessions where tenant_id = $1 and source = 'pipeline' and source_id = $2")
        .bind(&tenant)
        .bind(run)
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// A session to record (`POST /v1/internal/sessions`).
pub struct NewSession<'a> {
    pub id: &'a str,
    pub agent_id: &'a str,
    pub user_id: Option<&'a str>,
    pub source: &'a str,
    pub source_id: Option<&'a str>,
    pub status: &'a str,
    pub user_prompt: Option<&'a str>,
    pub model: Option<&'a str>,
}

/// Inserts the session; false when the id is taken.
pub async fn insert(tx: &mut TenantTx, s: &NewSession<'_>, now: i64) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "insert into engine.sessions (id, tenant_id, agent_id, user_id, source, source_id, status,
             user_prompt, model, created_at, started_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                 case when $7 = 'running' then $10 end)
         on conflict do nothing",
    )
    .bind(s.id)
    .bind(&tenant)
    .bind(s.agent_id)
    .bind(s.user_id)
    .bind(s.source)
    .bind(s.source_id)
    .bind(s.status)
    .bind(s.user_prompt)
    .bind(s.model)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a session that has not ended to `status`; false when it has ended or does not exist.
pub async fn set_status(tx: &mut TenantTx, id: &str, status: &str, now: i64) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "update engine.sessions
            set status = $3, started_at = case when $3 = 'running' then coalesce(started_at, $4)
                                               else started_at end
          where tenant_id = $1 and id = $2 and status in ('starting', 'running')",
    )
    .bind(&tenant)
    .bind(id)
    .bind(status)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records how a session ended; false when it had ended already or does not exist.
pub async fn complete(
    tx: &mut TenantTx,
    id: &str,
    status: &str,
    output: Option<&str>,
    error: Option<&str>,
    turn_count: Option<i32>,
    now: i64,
) -> sqlx::Result<bool> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "update engine.sessions
            set status = $3, output = $4, error = $5, turn_count = coalesce($6, turn_count),
                completed_at = $7
          where tenant_id = $1 and id = $2 and status in ('starting', 'running')",
    )
    .bind(&tenant)
    .bind(id)
    .bind(status)
    .bind(output)
    .bind(error)
    .bind(turn_count)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn add_event(
    tx: &mut TenantTx,
    id: &str,
    event_type: &str,
    timestamp: i64,
    data: &Value,
) -> sqlx::Result<i64> {
    let tenant = tx.tenant().clone();
    sqlx::query_scalar(
        "insert into engine.session_events (tenant_id, session_id, event_type, timestamp, data)
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(&tenant)
    .bind(id)
    .bind(event_type)
    .bind(timestamp)
    .bind(data)
    .fetch_one(&mut **tx)
    .await
}
