//! Onboarding sessions: start, list, read, abandon, resume, delete. The conversation is in
//! `onboarding_conversation` and `onboarding_chat`, finalizing in `onboarding_finalize`.

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::{Event, onboarding::OnboardingStarted};
use shared_schemas::ids::AgentId;

use crate::api::onboarding::{CreateSessionRequest, SessionResponse};
use crate::domain::onboarding::{self as rules, DEFAULT_MODEL};
use crate::flows::commit_with;
use crate::store::onboarding::{self as store, NewSession, Session, SessionPatch};
use crate::store::{self as stores, now_ms};

/// The session with its whole conversation.
pub async fn with_messages(
    tx: &mut TenantTx,
    session: Session,
) -> Result<SessionResponse, ApiError> {
    let messages = store::messages(tx, &session.id).await?;
    Ok(SessionResponse {
        session: session.into(),
        messages: messages.into_iter().map(Into::into).collect(),
    })
}

/// Starts a session for the calling user; ONBOARDING_STARTED when the template names its
/// first agent.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    req: CreateSessionRequest,
) -> Result<SessionResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let template = match &req.template_id {
        Some(key) => Some(stores::templates::require(&mut tx, key).await?),
        None => None,
    };
    let first_agent = template
        .as_ref()
        .and_then(|t| t.onboarding_agent_chain.as_ref())
        .and_then(|chain| chain.0.first())
        .and_then(|a| AgentId::parse(a.as_str()).ok());
    let new = NewSession {
        user_id: ctx.subject(),
        model: req.model.as_deref().unwrap_or(DEFAULT_MODEL),
        template_id: template.as_ref().map(|t| t.id.as_str()),
        current_agent_id: first_agent.as_ref().map(AgentId::as_str),
    };
    let session = store::insert(&mut tx, &new, now_ms()).await?;
    let events = first_agent.map(|agent_id| {
        Event::OnboardingStarted(OnboardingStarted {
            onboarding_session_id: session.id.clone(),
            agent_id,
        })
    });
    commit_with(tx, events.into_iter().collect()).await?;
    Ok(SessionResponse {
        session: session.into(),
        messages: Vec::new(),
    })
}

/// The tenant's sessions, newest first.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Session>, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let rows = store::list(&mut tx, status, limit, offset).await?;
    tx.commit().await?;
    Ok(rows)
}

pub async fn get(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<SessionResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let session = store::require(&mut tx, session_id, false).await?;
    let response = with_messages(&mut tx, session).await?;
    tx.commit().await?;
    Ok(response)
}

/// Marks the session abandoned (it can be resumed); returns its id. Twice changes nothing.
pub async fn abandon(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<String, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let session = store::require(&mut tx, session_id, true).await?;
    if rules::can_abandon(&session.status)? {
        let patch = SessionPatch {
            status: Some("abandoned"),
            ..SessionPatch::default()
        };
        store::update(&mut tx, &session.id, patch, now_ms()).await?;
    }
    tx.commit().await?;
    Ok(session.id)
}

/// Makes a paused or abandoned session active again.
pub async fn resume(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<SessionResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let session = store::require(&mut tx, session_id, true).await?;
    rules::can_resume(&session.status)?;
    let patch = SessionPatch {
        status: Some("active"),
        ..SessionPatch::default()
    };
    let session = store::update(&mut tx, &session.id, patch, now_ms()).await?;
    let response = with_messages(&mut tx, session).await?;
    tx.commit().await?;
    Ok(response)
}

/// Deletes the session and all its messages.
pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<(), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    store::delete(&mut tx, session_id).await?;
    tx.commit().await?;
    Ok(())
}
