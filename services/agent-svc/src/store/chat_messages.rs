//! SQL of `agent.chat_messages`. An assistant row with `completed_at` null is an answer the
//! engine still owes: the session's queue.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use serde_json::Value;
use sqlx::FromRow;
use sqlx::types::Json;

#[derive(Debug, Clone, FromRow)]
pub struct Message {
    pub id: String,
    pub session_id: String,
    pub role: String,
    pub content: String,
    pub model: Option<String>,
    pub thinking: Option<String>,
    pub tool_calls: Option<Json<Value>>,
    pub attachments: Option<Json<Vec<String>>>,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

const COLUMNS: &str = "id, session_id, role, content, model, thinking, tool_calls, attachments, \
    created_at, completed_at";

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "message_not_found",
        "chat message not found",
    )
}

#[derive(Debug)]
pub struct NewMessage<'a> {
    pub id: &'a str,
    pub session_id: &'a str,
    pub role: &'a str,
    pub content: &'a str,
    pub model: Option<&'a str>,
    pub thinking: Option<&'a str>,
    pub tool_calls: Option<&'a Value>,
    pub attachments: Option<&'a [String]>,
    /// `None`: an answer still pending.
    pub completed_at: Option<i64>,
}

pub async fn insert(tx: &mut TenantTx, m: &NewMessage<'_>, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "insert into agent.chat_messages (id, tenant_id, session_id, role, content, model,
             thinking, tool_calls, attachments, created_at, completed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(m.id)
    .bind(tenant)
    .bind(m.session_id)
    .bind(m.role)
    .bind(m.content)
    .bind(m.model)
    .bind(m.thinking)
    .bind(m.tool_calls.map(Json))
    .bind(m.attachments.map(Json))
    .bind(now)
    .bind(m.completed_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Answers the engine still owes in the session.
pub async fn pending(tx: &mut TenantTx, session_id: &str) -> Result<i64, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_scalar(
        "select count(*) from agent.chat_messages
          where tenant_id = $1 and session_id = $2 and role = 'assistant'
            and completed_at is null",
    )
    .bind(tenant)
    .bind(session_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The newest `limit` messages of the session, in conversation order.
pub async fn newest(
    tx: &mut TenantTx,
    session_id: &str,
    limit: i64,
) -> Result<Vec<Message>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select * from (
             select {COLUMNS} from agent.chat_messages
              where tenant_id = $1 and session_id = $2
              order by created_at desc, id desc limit $3
         ) newest order by created_at, id"
    ))
    .bind(tenant)
    .bind(session_id)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}

/// The message, locked for the transaction.
pub async fn lock(tx: &mut TenantTx, id: &str) -> Result<Message, ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "select {COLUMNS} from agent.chat_messages where tenant_id = $1 and id = $2 for update"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// Replaces the content of the session's most recent user message; its id, or `None` when
/// the session has none.
pub async fn replace_latest_user(
    tx: &mut TenantTx,
    session_id: &str,
    content: &str,
) -> Result<Option<String>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_scalar(
        "update agent.chat_messages set content = $3
          where tenant_id = $1 and id = (
              select id from agent.chat_messages
               where tenant_id = $1 and session_id = $2 and role = 'user'
               order by created_at desc, id desc limit 1)
          returning id",
    )
    .bind(tenant)
    .bind(session_id)
    .bind(content)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The final content of a pending answer.
pub async fn complete(
    tx: &mut TenantTx,
    id: &str,
    content: &str,
    thinking: Option<&str>,
    tool_calls: Option<&Value>,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "update agent.chat_messages set content = $3, thinking = $4, tool_calls = $5,
             completed_at = $6
          where tenant_id = $1 and id = $2 and completed_at is null",
    )
    .bind(tenant)
    .bind(id)
    .bind(content)
    .bind(thinking)
    .bind(tool_calls.map(Json))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
