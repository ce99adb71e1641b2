//! Chat sessions as resources: an agent's list, one session with its messages, changing and
//! deleting it (`/v1/chat/sessions/{id}`, contract §1.3 chat_sessions).

use kit::db::TenantTx;
use kit::page::Page;
use kit::paths::DataPaths;
use kit::{ApiError, Platform, TenantContext};
use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::events::chat::ChatSessionChanged;

use crate::api::chat::{
    ChatMessageView, ChatSessionDetail, ChatSessionList, ChatSessionView, SessionDeleted,
    SessionListQuery, UpdateSessionRequest,
};
use crate::domain::chat::{self, DETAIL_MESSAGES};
use crate::flows::access::open_agent;
use crate::flows::chat::{agent_of, announce_status, command, finish, set_model};
use crate::store::chat_messages::{self, Message};
use crate::store::chat_sessions::{self as sessions, Session};
use crate::store::{self, chat_attachments};

pub fn view(s: Session) -> ChatSessionView {
    ChatSessionView {
        id: s.id,
        agent_id: s.agent_id,
        status: s.status,
        model: s.model,
        container_id: s.container_id,
        session_type: s.session_type,
        user_id: s.user_id,
        created_at: s.created_at,
        started_at: s.started_at,
        last_activity_at: s.last_activity_at,
        completed_at: s.completed_at,
        error: s.error,
        key_resolution: s.key_resolution.map(|j| j.0),
        system_prompt_supplement: s.system_prompt_supplement,
        thinking_level: s.thinking_level,
        message_count: s.message_count,
    }
}

fn message_view(m: Message) -> ChatMessageView {
    ChatMessageView {
        id: m.id,
        session_id: m.session_id,
        role: m.role,
        content: m.content,
        model: m.model,
        thinking: m.thinking,
        tool_calls: m.tool_calls.map(|j| j.0),
        attachments: m.attachments.map(|j| j.0),
        created_at: m.created_at,
        completed_at: m.completed_at,
    }
}

/// The list answer for a page of `total`.
pub fn list_of(rows: Vec<Session>, total: i64, page: Page) -> ChatSessionList {
    ChatSessionList {
        sessions: rows.into_iter().map(view).collect(),
        total,
        has_more: page.has_more(total),
    }
}

/// The agent's sessions, newest first.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    q: SessionListQuery,
) -> Result<ChatSessionList, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let page = q.page();
    let (rows, total) =
        sessions::list_for_agent(&mut tx, &agent_id, q.status.as_deref(), page).await?;
    tx.commit().await?;
    Ok(list_of(rows, total, page))
}

/// Opens the session by its id alone, locked: 404 outside the tenant, 403 for an agent
/// credential of another agent.
pub async fn open(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<(TenantTx, Session), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    if !chat::is_session_id(session_id) {
        return Err(sessions::not_found());
    }
    let session = sessions::lock(&mut tx, session_id).await?;
    ctx.require_access_to_agent(&session.agent_id)?;
    Ok((tx, session))
}

pub async fn detail(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<ChatSessionDetail, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    let messages = chat_messages::newest(&mut tx, &session.id, DETAIL_MESSAGES).await?;
    tx.commit().await?;
    Ok(ChatSessionDetail {
        session: view(session),
        messages: messages.into_iter().map(message_view).collect(),
    })
}

/// Changes the model (the engine hears of it), the status (ending an active session shuts its
/// runtime down) and the recorded key resolution.
pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
    req: UpdateSessionRequest,
) -> Result<ChatSessionView, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    if let Some(to) = req.status.as_deref()
        && !chat::may_move(&session.status, to)
    {
        return Err(ApiError::conflict(
            "invalid_status_change",
            format!(
                "a {} session cannot become {to}; restart it to start it again",
                session.status
            ),
        ));
    }
    if let Some(model) = &req.model {
        set_model(&mut tx, &session, model).await?;
    }
    if let Some(k) = &req.key_resolution {
        let value: Value = serde_json::from_str(k).map_err(ApiError::internal)?;
        sessions::update_fields(&mut tx, &session.id, None, Some(&value), store::now_ms()).await?;
    }
    if let Some(to) = req.status.as_deref().filter(|to| *to != session.status) {
        if chat::is_active(&session.status) && !chat::is_active(to) {
            finish(&mut tx, &session, to).await?;
        } else {
            sessions::set_status(&mut tx, &session.id, to, None, None, store::now_ms()).await?;
            announce_status(&mut tx, &session, to, None).await?;
        }
    }
    let changed = sessions::get(&mut tx, &session.id).await?;
    tx.commit().await?;
    Ok(view(changed))
}

/// Deletes the session with its messages and attachments; the engine ends its runtime.
pub async fn delete(
    platform: &Platform,
    paths: &DataPaths,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<SessionDeleted, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    sessions::delete(&mut tx, &session.id).await?;
    let deleted = ChatSessionChanged {
        session_id: session.id.clone(),
        agent_id: agent_of(&session)?,
        status: "deleted".to_owned(),
        model: Some(session.model.clone()),
        error: None,
    };
    kit::outbox::append(&mut tx, Event::ChatSessionDeleted(deleted)).await?;
    kit::outbox::append(&mut tx, Event::ChatEndRequested(command(&session)?)).await?;
    tx.commit().await?;
    // The rows are gone; the files follow (a leftover file is unreachable, never served).
    let (paths, tenant, id) = (paths.clone(), ctx.tenant_id.to_string(), session.id.clone());
    tokio::task::spawn_blocking(move || {
        chat_attachments::remove_session_files(&paths, &tenant, &id);
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(SessionDeleted {
        session_id: session.id,
        status: "deleted".to_owned(),
    })
}
