//! SQL of `agent.chat_sessions`. Every statement filters by the transaction's tenant.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use kit::page::Page;
use serde_json::Value;
use sqlx::FromRow;
use sqlx::types::Json;

/// A session with the number of its messages.
#[derive(Debug, Clone, FromRow)]
pub struct Session {
    pub id: String,
    pub agent_id: String,
    pub status: String,
    pub model: String,
    pub container_id: Option<String>,
    pub session_type: String,
    pub user_id: Option<String>,
    pub system_prompt_supplement: Option<String>,
    pub thinking_level: Option<String>,
    pub key_resolution: Option<Json<Value>>,
    pub error: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub last_activity_at: i64,
    pub completed_at: Option<i64>,
    pub message_count: i64,
}

const COLUMNS: &str = "s.id, s.agent_id, s.status, s.model, s.container_id, s.session_type, \
    s.user_id, s.system_prompt_supplement, s.thinking_level, s.key_resolution, s.error, \
    s.created_at, s.started_at, s.last_activity_at, s.completed_at, \
    (select count(*) from agent.chat_messages m \
      where m.tenant_id = s.tenant_id and m.session_id = s.id) as message_count";

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "session_not_found",
        "chat session not found",
    )
}

/// A session about to be stored.
#[derive(Debug)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub agent_id: &'a str,
    pub status: &'a str,
    pub model: &'a str,
    pub session_type: &'a str,
    pub user_id: Option<&'a str>,
    pub system_prompt_supplement: Option<&'a str>,
    pub thinking_level: Option<&'a str>,
}

/// Inserts the session; `false` when a session with that id already exists (the row is left
/// as it is).
pub async fn insert(tx: &mut TenantTx, s: &NewSession<'_>, now: i64) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    let done = sqlx::query(
        "insert into agent.chat_sessions (id, tenant_id, agent_id, status, model, session_type,
             user_id, system_prompt_supplement, thinking_level, created_at, last_activity_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         on conflict (id) do nothing",
    )
    .bind(s.id)
    .bind(tenant)
    .bind(s.agent_id)
    .bind(s.status)
    .bind(s.model)
    .bind(s.session_type)
    .bind(s.user_id)
    .bind(s.system_prompt_supplement)
    .bind(s.thinking_level)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The session, locked for the rest of the transaction (changes to one session are serial:
/// the queue limit and the status transitions are decided on what this read sees).
pub async fn lock(tx: &mut TenantTx, id: &str) -> Result<Session, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "select {COLUMNS} from agent.chat_sessions s
          where s.tenant_id = $1 and s.id = $2 for update"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Session, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "select {COLUMNS} from agent.chat_sessions s where s.tenant_id = $1 and s.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// A page of the agent's sessions, newest first, with the total.
pub async fn list_for_agent(
    tx: &mut TenantTx,
    agent_id: &str,
    status: Option<&str>,
    page: Page,
) -> Result<(Vec<Session>, i64), ApiError> {
    let tenant = tx.tenant().to_string();
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from agent.chat_sessions s
          where s.tenant_id = $1 and s.agent_id = $2 and ($3::text is null or s.status = $3)
          order by s.created_at desc, s.id desc limit $4 offset $5"
    ))
    .bind(&tenant)
    .bind(agent_id)
    .bind(status)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut **tx)
    .await?;
    let total = sqlx::query_scalar(
        "select count(*) from agent.chat_sessions
          where tenant_id = $1 and agent_id = $2 and ($3::text is null or status = $3)",
    )
    .bind(&tenant)
    .bind(agent_id)
    .bind(status)
    .fetch_one(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// A page of the tenant's sessions in any of `statuses` (all when empty), oldest first.
pub async fn list_by_status(
    tx: &mut TenantTx,
    statuses: &[String],
    page: Page,
) -> Result<(Vec<Session>, i64), ApiError> {
    let tenant = tx.tenant().to_string();
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from agent.chat_sessions s
          where s.tenant_id = $1 and (cardinality($2::text[]) = 0 or s.status = any($2))
          order by s.created_at, s.id limit $3 offset $4"
    ))
    .bind(&tenant)
    .bind(statuses)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut **tx)
    .await?;
    let total = sqlx::query_scalar(
        "select count(*) from agent.chat_sessions
          where tenant_id = $1 and (cardinality($2::text[]) = 0 or status = any($2))",
    )
    .bind(&tenant)
    .bind(statuses)
    .fetch_one(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// Moves the session to `to`, keeping the timestamps true to it: `started_at` at the first
/// running/idle report, `completed_at` when it ends, both cleared again by a restart
/// (`starting`), `error` kept only for a failure. `container` and `error` replace the stored
/// ones when given.
pub async fn set_status(
    tx: &mut TenantTx,
    id: &str,
    to: &str,
    container: Option<&str>,
    error: Option<&str>,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "update agent.chat_sessions set
             status = $3,
             container_id = case when $3 = 'starting' then $4 else coalesce($4, container_id) end,
             started_at = case when $3 in ('running', 'idle') then coalesce(started_at, $6)
                               when $3 = 'starting' then null else started_at end,
             completed_at = case when $3 in ('completed', 'failed') then coalesce(completed_at, $6)
                                 else null end,
             error = case when $3 = 'failed' then coalesce($5, error)
                          when $3 = 'completed' then error else null end,
             last_activity_at = $6
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(to)
    .bind(container)
    .bind(error)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets the model, the key resolution (when given) and the last activity.
pub async fn update_fields(
    tx: &mut TenantTx,
    id: &str,
    model: Option<&str>,
    key_resolution: Option<&Value>,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "update agent.chat_sessions set model = coalesce($3, model),
             key_resolution = coalesce($4, key_resolution), last_activity_at = $5
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(model)
    .bind(key_resolution.map(Json))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query("delete from agent.chat_sessions where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
