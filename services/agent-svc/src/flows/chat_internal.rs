//! What engine-svc reports about the sessions it runs (`/v1/internal/chat/...`): runtime status,
//! recorded and completed messages. Every change is conditional, so a report that arrives twice
//! or late changes nothing.

use kit::page::Page;
use kit::{ApiError, Platform, TenantContext};
use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::events::chat::{ChatMessageCompleted, ChatSessionChanged};

use crate::api::chat::ChatSessionList;
use crate::api::chat_internal::{
    AddMessageRequest, CompleteMessageRequest, ContainerUpdated, EnsureSessionRequest,
    MessageCompleted, MessageRecorded, SessionEnsured, UpdateContainerRequest,
};
use crate::domain::chat;
use crate::flows::chat::{agent_of, announce_status};
use crate::flows::chat_sessions::{list_of, open};
use crate::store::chat_sessions::{self as sessions, NewSession};
use crate::store::{self, agents, chat_messages};

pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    statuses: &[String],
    page: Page,
) -> Result<ChatSessionList, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (rows, total) = sessions::list_by_status(&mut tx, statuses, page).await?;
    tx.commit().await?;
    Ok(list_of(rows, total, page))
}

/// The runtime's id and the session's status. A move the state machine refuses (an ended
/// session reported running) leaves the session as it is and says so.
pub async fn container(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
    req: UpdateContainerRequest,
) -> Result<ContainerUpdated, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    if !chat::may_move(&session.status, &req.status) {
        tx.commit().await?;
        return Ok(ContainerUpdated {
            ok: true,
            status: session.status,
            changed: false,
        });
    }
    let now = store::now_ms();
    sessions::set_status(
        &mut tx,
        &session.id,
        &req.status,
        req.container_id.as_deref(),
        req.error.as_deref(),
        now,
    )
    .await?;
    let changed = session.status != req.status;
    if changed {
        announce_status(&mut tx, &session, &req.status, req.error.as_deref()).await?;
    }
    tx.commit().await?;
    Ok(ContainerUpdated {
        ok: true,
        status: req.status,
        changed,
    })
}

/// Creates the session when it is missing (the engine resuming one it knows), else updates
/// its model and, where the state machine allows, its status.
pub async fn ensure(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
    req: EnsureSessionRequest,
) -> Result<SessionEnsured, ApiError> {
    if !chat::is_session_id(session_id) {
        return Err(sessions::not_found());
    }
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let agent_id = agents::resolve(&mut tx, &req.agent_id).await?;
    ctx.require_access_to_agent(&agent_id)?;
    let status = req.status.as_deref().unwrap_or("starting");
    let new = NewSession {
        id: session_id,
        agent_id: &agent_id,
        status,
        model: &req.model,
        session_type: "chat",
        user_id: None,
        system_prompt_supplement: None,
        thinking_level: None,
    };
    let now = store::now_ms();
    let created = sessions::insert(&mut tx, &new, now).await?;
    let session = sessions::lock(&mut tx, session_id).await?;
    if session.agent_id != agent_id {
        return Err(ApiError::conflict(
            "session_agent_mismatch",
            "the session belongs to another agent",
        ));
    }
    if created {
        let changed = ChatSessionChanged {
            session_id: session.id.clone(),
            agent_id: agent_of(&session)?,
            status: status.to_owned(),
            model: Some(req.model.clone()),
            error: None,
        };
        kit::outbox::append(&mut tx, Event::ChatSessionCreated(changed)).await?;
    } else {
        sessions::update_fields(&mut tx, &session.id, Some(&req.model), None, now).await?;
        if let Some(to) = req.status.as_deref()
            && to != session.status
            && chat::may_move(&session.status, to)
        {
            sessions::set_status(&mut tx, &session.id, to, None, None, now).await?;
            announce_status(&mut tx, &session, to, None).await?;
        }
    }
    tx.commit().await?;
    Ok(SessionEnsured { created, ok: true })
}

/// A message the engine records as it is (complete).
pub async fn add_message(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
    req: AddMessageRequest,
) -> Result<MessageRecorded, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    let id = chat::new_message_id();
    let now = store::now_ms();
    let tool_calls = req.tool_calls.map(Value::Array);
    let message = chat_messages::NewMessage {
        id: &id,
        session_id: &session.id,
        role: &req.role,
        content: &req.content,
        model: req.model.as_deref(),
        thinking: req.thinking.as_deref(),
        tool_calls: tool_calls.as_ref(),
        attachments: None,
        completed_at: Some(now),
    };
    chat_messages::insert(&mut tx, &message, now).await?;
    sessions::update_fields(&mut tx, &session.id, None, None, now).await?;
    tx.commit().await?;
    Ok(MessageRecorded {
        message_id: id,
        ok: true,
    })
}

/// Replaces the most recent user message's content (a voice note's transcript).
pub async fn replace_latest_user(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
    content: &str,
) -> Result<MessageRecorded, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    let id = chat_messages::replace_latest_user(&mut tx, &session.id, content)
        .await?
        .ok_or_else(chat_messages::not_found)?;
    tx.commit().await?;
    Ok(MessageRecorded {
        message_id: id,
        ok: true,
    })
}

/// Completes a pending answer once; completing it again changes nothing.
pub async fn complete(
    platform: &Platform,
    ctx: &TenantContext,
    message_id: &str,
    req: CompleteMessageRequest,
) -> Result<MessageCompleted, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let message = chat_messages::lock(&mut tx, message_id).await?;
    let session = sessions::get(&mut tx, &message.session_id).await?;
    ctx.require_access_to_agent(&session.agent_id)?;
    if message.completed_at.is_some() {
        tx.commit().await?;
        return Ok(MessageCompleted {
            ok: true,
            already_completed: true,
        });
    }
    if req.aborted {
        tracing::info!(message = %message.id, "an answer was stopped part-way");
    }
    let now = store::now_ms();
    let tool_calls = req.tool_calls.map(Value::Array);
    chat_messages::complete(
        &mut tx,
        &message.id,
        &req.content,
        req.thinking.as_deref(),
        tool_calls.as_ref(),
        now,
    )
    .await?;
    sessions::update_fields(&mut tx, &session.id, None, None, now).await?;
    // Services with a stake in the conversation (project-svc's onboarding) copy the answer.
    let completed = ChatMessageCompleted {
        session_id: session.id.clone(),
        agent_id: agent_of(&session)?,
        message_id: message.id.clone(),
        session_type: chat::session_type(&session.session_type).unwrap_or_default(),
        content: req.content,
        aborted: req.aborted,
    };
    kit::outbox::append(&mut tx, Event::ChatMessageCompleted(completed)).await?;
    tx.commit().await?;
    Ok(MessageCompleted {
        ok: true,
        already_completed: false,
    })
}
