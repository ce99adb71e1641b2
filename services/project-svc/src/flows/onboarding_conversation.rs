//! The conversation of an onboarding session as the API receives it: user messages, context,
//! landing page, handoffs between agents. Every change needs an active session the caller may
//! write to. The agent's replies come through its agent-svc chat (`flows::onboarding_chat`).

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::events::onboarding::{
    OnboardingContextUpdated, OnboardingHandoff, OnboardingLandingPageUpdated, OnboardingStarted,
};
use shared_schemas::ids::AgentId;

use crate::agent_chat::AgentChat;
use crate::api::onboarding::{
    ContextUpdate, HandoffRequest, MessageStored, SendMessageRequest, UpdateLandingPageRequest,
};
use crate::domain::onboarding as rules;
use crate::domain::validate;
use crate::flows::{commit_with, onboarding_chat};
use crate::store::now_ms;
use crate::store::onboarding::{self as store, NewMessage, Session, SessionPatch};

/// Stores the user's message and commits; then, when an agent leads the session, sends it to
/// that agent's chat (`agentReply: "pending"`; the reply arrives as CHAT_MESSAGE_COMPLETED).
/// Without a leading agent nobody answers (`"unavailable"`). agent-svc down: 503
/// `agent_unavailable`, the message stays stored.
pub async fn message(
    platform: &Platform,
    agent_chat: &AgentChat,
    ctx: &TenantContext,
    session_id: &str,
    req: SendMessageRequest,
) -> Result<MessageStored, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    let now = now_ms();
    let new = NewMessage {
        role: "user",
        content: &req.message,
        agent_id: None,
        handoff_to_agent: None,
    };
    let stored = store::add_message(&mut tx, &session.id, &new, now).await?;
    let patch = SessionPatch {
        model: req.model,
        ..SessionPatch::default()
    };
    let session = store::update(&mut tx, &session.id, patch, now).await?;
    let current = onboarding_chat::current_chat(&mut tx, &session).await?;
    tx.commit().await?;
    let Some(agent) = session.current_agent_id.clone() else {
        return Ok(MessageStored {
            session_id: session.id,
            user_message_id: stored.id,
            status: "stored",
            agent_reply: "unavailable",
            assistant_message_id: None,
            chat_session_id: session.chat_session_id,
        });
    };
    let out = onboarding_chat::Outgoing {
        session: &session,
        current,
        agent: &agent,
        user_message_id: &stored.id,
        message: &req.message,
    };
    let delivered = onboarding_chat::deliver(platform, agent_chat, ctx, out).await?;
    Ok(MessageStored {
        session_id: session.id,
        user_message_id: stored.id,
        status: "queued",
        agent_reply: "pending",
        assistant_message_id: delivered.assistant_message_id,
        chat_session_id: Some(delivered.chat_session_id),
    })
}

/// Merges keys into the session's context and returns it; ONBOARDING_CONTEXT_UPDATED.
pub async fn context(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
    req: ContextUpdate,
) -> Result<Value, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    let merged = rules::merge_context(&session.context.0, req.0)?;
    let patch = SessionPatch {
        context: Some(merged.clone()),
        ..SessionPatch::default()
    };
    store::update(&mut tx, &session.id, patch, now_ms()).await?;
    let event = Event::OnboardingContextUpdated(OnboardingContextUpdated {
        onboarding_session_id: session.id,
        context: merged.clone(),
    });
    commit_with(tx, vec![event]).await?;
    Ok(merged)
}

/// Replaces the landing page and returns its state; ONBOARDING_LANDING_PAGE_UPDATED.
pub async fn landing_page(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
    req: UpdateLandingPageRequest,
) -> Result<Value, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    let previous = session.landing_page_state.as_ref().map(|j| &j.0);
    let state = rules::landing_page(previous, req.html, req.caption, ctx.agent_id());
    let patch = SessionPatch {
        landing_page_state: Some(state.clone()),
        ..SessionPatch::default()
    };
    store::update(&mut tx, &session.id, patch, now_ms()).await?;
    let event = Event::OnboardingLandingPageUpdated(OnboardingLandingPageUpdated {
        onboarding_session_id: session.id,
    });
    commit_with(tx, vec![event]).await?;
    Ok(state)
}

/// Hands the session to the next agent (409 when another agent took it meanwhile);
/// ONBOARDING_HANDOFF (ONBOARDING_STARTED when no agent led it).
pub async fn handoff(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
    req: HandoffRequest,
) -> Result<Value, ApiError> {
    let (mut tx, session) = open(platform, ctx, session_id).await?;
    let from = session.current_agent_id.clone();
    if req.from_agent_id.is_some() && req.from_agent_id != from {
        return Err(ApiError::conflict(
            "handoff_conflict",
            "another agent leads this session now",
        ));
    }
    let to = AgentId::parse(req.next_agent_id.as_str())
        .map_err(|_| validate::field_error("next_agent_id", "not an agent id"))?;
    if from.as_deref() == Some(to.as_str()) {
        return Err(validate::field_error(
            "next_agent_id",
            "already leads this session",
        ));
    }
    let note = rules::handoff_note(
        to.as_str(),
        req.summary.as_deref(),
        req.conversation_highlights.as_deref().unwrap_or_default(),
    );
    let now = now_ms();
    let new = NewMessage {
        role: "system",
        content: &note,
        agent_id: from.as_deref(),
        handoff_to_agent: Some(to.as_str()),
    };
    store::add_message(&mut tx, &session.id, &new, now).await?;
    let merged = match req.context_update {
        Some(update) => Some(rules::merge_context(&session.context.0, update)?),
        None => None,
    };
    let patch = SessionPatch {
        current_agent_id: Some(to.to_string()),
        context: merged.clone(),
        ..SessionPatch::default()
    };
    let updated = store::update(&mut tx, &session.id, patch, now).await?;
    let mut events = vec![handoff_event(&session.id, from.as_deref(), &to)];
    if let Some(context) = merged {
        events.push(Event::OnboardingContextUpdated(OnboardingContextUpdated {
            onboarding_session_id: session.id.clone(),
            context,
        }));
    }
    commit_with(tx, events).await?;
    Ok(serde_json::json!({
        "status": "handed_off",
        "sessionId": updated.id,
        "fromAgent": from,
        "toAgent": to,
        "currentAgent": updated.current_agent_id,
        "phase": updated.phase,
        "projectId": updated.project_id,
        "newChatSessionId": null,
    }))
}

/// Users and services act on any session of the tenant; an agent only on the one it leads.
fn require_writer(ctx: &TenantContext, session: &Session) -> Result<(), ApiError> {
    if ctx.kind() != TokenKind::Agent {
        return Ok(());
    }
    match session.current_agent_id.as_deref() {
        Some(agent) => ctx.require_agent(agent),
        None => Err(ApiError::forbidden("no agent leads this session")),
    }
}

/// Opens the session for a change: locked, active, and writable by the caller.
async fn open(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<(TenantTx, Session), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let session = store::require(&mut tx, session_id, true).await?;
    require_writer(ctx, &session)?;
    rules::require_active(&session.status)?;
    Ok((tx, session))
}

fn handoff_event(session_id: &str, from: Option<&str>, to: &AgentId) -> Event {
    match from.and_then(|f| AgentId::parse(f).ok()) {
        Some(from_agent_id) => Event::OnboardingHandoff(OnboardingHandoff {
            onboarding_session_id: session_id.to_owned(),
            from_agent_id,
            to_agent_id: to.clone(),
            reason: None,
        }),
        None => Event::OnboardingStarted(OnboardingStarted {
            onboarding_session_id: session_id.to_owned(),
            agent_id: to.clone(),
        }),
    }
}
