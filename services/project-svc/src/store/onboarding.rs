//! SQL of `project.onboarding_sessions` and `project.onboarding_messages`, always within the
//! transaction's tenant.

use axum::http::StatusCode;
use kit::ApiError;
use kit::db::TenantTx;
use serde_json::Value;
use sqlx::FromRow;
use sqlx::types::Json;

#[derive(Debug, Clone, FromRow)]
pub struct Session {
    pub id: String,
    pub user_id: Option<String>,
    pub status: String,
    pub project_id: Option<String>,
    pub current_agent_id: Option<String>,
    pub phase: String,
    pub context: Json<Value>,
    pub chat_session_id: Option<String>,
    pub template_id: Option<String>,
    pub model: String,
    pub landing_page_state: Option<Json<Value>>,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
}

const SESSION: &str = "id, user_id, status, project_id, current_agent_id, phase, context, \
    chat_session_id, template_id, model, landing_page_state, created_at, updated_at, completed_at";

#[derive(Debug, Clone, FromRow)]
pub struct Message {
    pub id: String,
    pub session_id: String,
    pub role: String,
    pub content: String,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub agent_emoji: Option<String>,
    pub tool_calls: Option<Json<Value>>,
    pub thinking: Option<String>,
    pub handoff_to_agent: Option<String>,
    pub created_at: i64,
}

const MESSAGE: &str = "id, session_id, role, content, agent_id, agent_name, agent_emoji, \
    tool_calls, thinking, handoff_to_agent, created_at";

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "session_not_found",
        "onboarding session not found",
    )
}

/// A new session's fields; the row fills in the rest.
pub struct NewSession<'a> {
    pub user_id: &'a str,
    pub model: &'a str,
    pub template_id: Option<&'a str>,
    pub current_agent_id: Option<&'a str>,
}

pub async fn insert(tx: &mut TenantTx, s: &NewSession<'_>, now: i64) -> Result<Session, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "insert into project.onboarding_sessions (id, tenant_id, user_id, status, phase, context,
             model, template_id, current_agent_id, created_at, updated_at)
         values ($1, $2, $3, 'active', 'intake', '{{}}', $4, $5, $6, $7, $7)
         returning {SESSION}"
    ))
    .bind(crate::store::new_id("onb_"))
    .bind(tenant)
    .bind(s.user_id)
    .bind(s.model)
    .bind(s.template_id)
    .bind(s.current_agent_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// The tenant's sessions, newest first, optionally of one status.
pub async fn list(
    tx: &mut TenantTx,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Session>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select {SESSION} from project.onboarding_sessions
          where tenant_id = $1 and ($2::text is null or status = $2)
          order by created_at desc, id desc limit $3 offset $4"
    ))
    .bind(tenant)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?)
}

/// The session, locked for the rest of the transaction (every change reads, decides, writes).
pub async fn require(tx: &mut TenantTx, id: &str, lock: bool) -> Result<Session, ApiError> {
    let tenant = tx.tenant().clone();
    let suffix = if lock { " for update" } else { "" };
    sqlx::query_as(&format!(
        "select {SESSION} from project.onboarding_sessions
          where tenant_id = $1 and id = $2{suffix}"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// What a change writes; `None` leaves a column as it is.
#[derive(Debug, Default)]
pub struct SessionPatch {
    pub status: Option<&'static str>,
    pub model: Option<String>,
    pub context: Option<Value>,
    pub landing_page_state: Option<Value>,
    pub current_agent_id: Option<String>,
    /// Set when the session completes (finalize), with `completed_at`.
    pub project_id: Option<String>,
    pub completed_at: Option<i64>,
}

pub async fn update(
    tx: &mut TenantTx,
    id: &str,
    p: SessionPatch,
    now: i64,
) -> Result<Session, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "update project.onboarding_sessions
            set status = coalesce($3, status), model = coalesce($4, model),
                context = coalesce($5, context),
                landing_page_state = coalesce($6, landing_page_state),
                current_agent_id = coalesce($7, current_agent_id), updated_at = $8,
                project_id = coalesce($9, project_id),
                completed_at = coalesce($10, completed_at)
          where tenant_id = $1 and id = $2
          returning {SESSION}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(p.status)
    .bind(p.model)
    .bind(p.context.map(Json))
    .bind(p.landing_page_state.map(Json))
    .bind(p.current_agent_id)
    .bind(now)
    .bind(p.project_id)
    .bind(p.completed_at)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let done =
        sqlx::query("delete from project.onboarding_sessions where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// A message as received: the user's words, a system note, or an agent's reply as agent-svc
/// reported it.
pub struct NewMessage<'a> {
    pub role: &'static str,
    pub content: &'a str,
    pub agent_id: Option<&'a str>,
    pub handoff_to_agent: Option<&'a str>,
}

pub async fn add_message(
    tx: &mut TenantTx,
    session_id: &str,
    m: &NewMessage<'_>,
    now: i64,
) -> Result<Message, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "insert into project.onboarding_messages (id, tenant_id, session_id, role, content,
             agent_id, handoff_to_agent, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning {MESSAGE}"
    ))
    .bind(crate::store::new_id("obm_"))
    .bind(tenant)
    .bind(session_id)
    .bind(m.role)
    .bind(m.content)
    .bind(m.agent_id)
    .bind(m.handoff_to_agent)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// The most messages a session's answer carries: the newest ones, so a long conversation
/// cannot grow one answer without bound.
pub const MAX_MESSAGES: i64 = 500;

/// The conversation's last [`MAX_MESSAGES`] in order (messages of one request share a
/// millisecond; ids do not order).
pub async fn messages(tx: &mut TenantTx, session_id: &str) -> Result<Vec<Message>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select * from (select {MESSAGE}, seq from project.onboarding_messages
                         where tenant_id = $1 and session_id = $2
                         order by created_at desc, seq desc limit $3) m
          order by created_at, seq"
    ))
    .bind(tenant)
    .bind(session_id)
    .bind(MAX_MESSAGES)
    .fetch_all(&mut **tx)
    .await?)
}
