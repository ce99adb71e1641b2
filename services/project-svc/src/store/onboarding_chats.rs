//! SQL of `project.onboarding_chats`: the agent-svc chat sessions an onboarding session started,
//! one per agent that led it, and the session's pointer to the current one.

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct Chat {
    pub chat_session_id: String,
    pub session_id: String,
    pub agent_id: String,
}

/// The chat `chat_session_id`, when an onboarding session of the tenant started it.
pub async fn find(tx: &mut TenantTx, chat_session_id: &str) -> Result<Option<Chat>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(
        "select chat_session_id, session_id, agent_id from project.onboarding_chats
          where tenant_id = $1 and chat_session_id = $2",
    )
    .bind(tenant)
    .bind(chat_session_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Records a chat started for `session` and makes it the session's current one, unless the
/// session's chat changed since `previous` was read (a concurrent message started one first):
/// then nothing is written and that chat's id is returned for the caller to use.
pub async fn adopt(
    tx: &mut TenantTx,
    chat: &Chat,
    previous: Option<&str>,
    now: i64,
) -> Result<Option<String>, ApiError> {
    let tenant = tx.tenant().clone();
    let current: Option<Option<String>> = sqlx::query_scalar(
        "select chat_session_id from project.onboarding_sessions
          where tenant_id = $1 and id = $2 for update",
    )
    .bind(&tenant)
    .bind(&chat.session_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(current) = current else {
        return Err(super::onboarding::not_found());
    };
    if let Some(other) = current.filter(|c| Some(c.as_str()) != previous) {
        return Ok(Some(other));
    }
    sqlx::query(
        "insert into project.onboarding_chats (chat_session_id, tenant_id, session_id, agent_id,
             created_at)
         values ($1, $2, $3, $4, $5)",
    )
    .bind(&chat.chat_session_id)
    .bind(&tenant)
    .bind(&chat.session_id)
    .bind(&chat.agent_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "update project.onboarding_sessions set chat_session_id = $3, updated_at = $4
          where tenant_id = $1 and id = $2",
    )
    .bind(&tenant)
    .bind(&chat.session_id)
    .bind(&chat.chat_session_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(None)
}
