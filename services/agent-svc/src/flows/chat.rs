//! Chat sessions as their users drive them (ARCHITECTURE §6): start, send, stop, end, restart,
//! change the model. Each change and the command for engine-svc commit together (outbox), so
//! the engine never hears of a message that was not stored and never misses one that was.

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext, TokenKind};
use shared_schemas::events::Event;
use shared_schemas::events::chat::{
    ChatAttachmentRef, ChatMessageSent, ChatModelChanged, ChatSessionChanged, ChatSessionCommand,
    ChatSessionType, ChatStartRequested,
};
use shared_schemas::ids::{AgentId, UserId};

use crate::api::chat::{
    ChatSessionStarted, MessageQueued, ModelChanged, SendMessageRequest, SessionAction,
    SessionStatus, StartChatRequest,
};
use crate::domain::chat::{self, MAX_PENDING};
use crate::domain::settings::GlobalSettings;
use crate::domain::validate::err;
use crate::flows::access::open_agent;
use crate::store::chat_sessions::{self as sessions, NewSession, Session};
use crate::store::{self, agents, chat_attachments, chat_messages};

/// Opens the agent (id or slug) and locks its session: 404 when the session does not exist in
/// the tenant or belongs to another agent.
pub async fn open_session(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    session_id: &str,
) -> Result<(TenantTx, Session), ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    if !chat::is_session_id(session_id) {
        return Err(sessions::not_found());
    }
    let session = sessions::lock(&mut tx, session_id).await?;
    if session.agent_id != agent_id {
        return Err(sessions::not_found());
    }
    Ok((tx, session))
}

/// The event payload naming the session and its agent.
pub fn agent_of(s: &Session) -> Result<AgentId, ApiError> {
    AgentId::parse(s.agent_id.as_str()).map_err(ApiError::internal)
}

pub fn command(s: &Session) -> Result<ChatSessionCommand, ApiError> {
    Ok(ChatSessionCommand {
        session_id: s.id.clone(),
        agent_id: agent_of(s)?,
    })
}

/// `CHAT_SESSION_STATUS_CHANGED` for the session's new status.
pub async fn announce_status(
    tx: &mut TenantTx,
    s: &Session,
    status: &str,
    error: Option<&str>,
) -> Result<(), ApiError> {
    let changed = ChatSessionChanged {
        session_id: s.id.clone(),
        agent_id: agent_of(s)?,
        status: status.to_owned(),
        model: Some(s.model.clone()),
        error: error.map(str::to_owned),
    };
    kit::outbox::append(tx, Event::ChatSessionStatusChanged(changed)).await?;
    Ok(())
}

/// The start command for the session as stored.
fn start_command(s: &Session, restart: bool) -> Result<Event, ApiError> {
    Ok(Event::ChatStartRequested(ChatStartRequested {
        session_id: s.id.clone(),
        agent_id: agent_of(s)?,
        model: s.model.clone(),
        session_type: chat::session_type(&s.session_type).unwrap_or_default(),
        user_id: s
            .user_id
            .as_deref()
            .and_then(|u| UserId::parse(u.to_owned()).ok()),
        system_prompt_supplement: s.system_prompt_supplement.clone(),
        thinking_level: s.thinking_level.clone(),
        restart,
    }))
}

/// Creates a session and asks the engine to start its runtime.
pub async fn start(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    req: StartChatRequest,
) -> Result<ChatSessionStarted, ApiError> {
    let kind = req
        .session_type
        .as_deref()
        .and_then(chat::session_type)
        .unwrap_or_default();
    let service = ctx.kind() == TokenKind::Service;
    if kind != ChatSessionType::Chat && !service {
        return Err(ApiError::forbidden(
            "onboarding and pulse sessions are started by the platform's services",
        ));
    }
    if req.user_id.is_some() && !service {
        return Err(ApiError::forbidden(
            "only a service names the user a session acts for",
        ));
    }
    // A user's session uses that user's keys; a service names the user, or none (tenant keys).
    let user_id = match ctx.kind() {
        TokenKind::User => Some(ctx.subject().to_owned()),
        _ => req.user_id.clone(),
    };
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let model = match req.model {
        Some(m) => m,
        None => default_model(&mut tx, &agent_id).await?,
    };
    let id = chat::new_session_id();
    let new = NewSession {
        id: &id,
        agent_id: &agent_id,
        status: "starting",
        model: &model,
        session_type: chat::session_type_name(kind),
        user_id: user_id.as_deref(),
        system_prompt_supplement: req.system_prompt_supplement.as_deref(),
        thinking_level: req.thinking_level.as_deref(),
    };
    sessions::insert(&mut tx, &new, store::now_ms()).await?;
    let session = sessions::get(&mut tx, &id).await?;
    let created = ChatSessionChanged {
        session_id: id.clone(),
        agent_id: agent_of(&session)?,
        status: "starting".to_owned(),
        model: Some(model),
        error: None,
    };
    kit::outbox::append(&mut tx, Event::ChatSessionCreated(created)).await?;
    kit::outbox::append(&mut tx, start_command(&session, false)?).await?;
    tx.commit().await?;
    Ok(ChatSessionStarted {
        session_id: id,
        status: "starting".to_owned(),
        message: "the agent's runtime is starting; messages sent now are answered once it is up"
            .to_owned(),
    })
}

/// The agent's own model (its config, else its stored model), else the tenant's default
/// working model.
async fn default_model(tx: &mut TenantTx, agent_id: &str) -> Result<String, ApiError> {
    let agent = agents::get(tx, agent_id).await?;
    let own = agent.config().model.or(agent.model);
    if let Some(model) = own.filter(|m| !m.trim().is_empty()) {
        return Ok(model);
    }
    let rows = store::settings::rows(tx).await?;
    Ok(GlobalSettings::from_rows(&rows).default_working_model)
}

fn not_active() -> ApiError {
    ApiError::bad_request(
        "session_not_active",
        "the session has ended; restart it to continue the conversation",
    )
}

/// Stores the user message and the pending answer, and hands the message to the engine.
pub async fn send(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    session_id: &str,
    req: SendMessageRequest,
) -> Result<MessageQueued, ApiError> {
    let (mut tx, session) = open_session(platform, ctx, agent_ref, session_id).await?;
    if !chat::is_active(&session.status) {
        return Err(not_active());
    }
    if chat_messages::pending(&mut tx, &session.id).await? >= MAX_PENDING {
        return Err(ApiError::conflict(
            "chat_queue_full",
            format!("{MAX_PENDING} messages are waiting for an answer; wait for one first"),
        ));
    }
    let mut ids: Vec<String> = Vec::with_capacity(req.attachment_ids.len());
    for id in &req.attachment_ids {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let attached = chat_attachments::of_session(&mut tx, &session.id, &ids).await?;
    if attached.len() != ids.len() {
        return Err(ApiError::validation(vec![err(
            "attachment_ids",
            "every attachment must have been uploaded to this session",
        )]));
    }
    let now = store::now_ms();
    let (user_id, answer_id) = (chat::new_message_id(), chat::new_message_id());
    let user = chat_messages::NewMessage {
        id: &user_id,
        session_id: &session.id,
        role: "user",
        content: &req.message,
        model: req.model.as_deref(),
        thinking: None,
        tool_calls: None,
        attachments: (!ids.is_empty()).then_some(ids.as_slice()),
        completed_at: Some(now),
    };
    chat_messages::insert(&mut tx, &user, now).await?;
    let answer = chat_messages::NewMessage {
        id: &answer_id,
        role: "assistant",
        content: "",
        attachments: None,
        completed_at: None,
        ..user
    };
    // One millisecond later, so the conversation order (created_at, id) puts it after the question.
    chat_messages::insert(&mut tx, &answer, now + 1).await?;
    chat_attachments::link(&mut tx, &ids, &user_id).await?;
    sessions::update_fields(&mut tx, &session.id, None, None, now).await?;
    let sent = ChatMessageSent {
        session_id: session.id.clone(),
        agent_id: agent_of(&session)?,
        message_id: user_id.clone(),
        assistant_message_id: answer_id.clone(),
        content: req.message,
        model: req.model,
        attachments: attached
            .iter()
            .map(|a| ChatAttachmentRef {
                id: a.id.clone(),
                filename: a.filename.clone(),
                mime_type: a.mime_type.clone(),
                size_bytes: a.size_bytes,
                is_image: crate::domain::attachments::is_image(&a.mime_type),
                estimated_tokens: a.estimated_tokens.map(i64::from),
            })
            .collect(),
    };
    kit::outbox::append(&mut tx, Event::ChatMessageSent(sent)).await?;
    tx.commit().await?;
    Ok(MessageQueued {
        session_id: session.id,
        status: "queued".to_owned(),
        user_message_id: user_id,
        assistant_message_id: answer_id,
    })
}

/// Asks the engine to stop the answer in progress; the session stays.
pub async fn stop(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    session_id: &str,
) -> Result<SessionAction, ApiError> {
    let (mut tx, session) = open_session(platform, ctx, agent_ref, session_id).await?;
    if !chat::is_active(&session.status) {
        return Err(not_active());
    }
    kit::outbox::append(&mut tx, Event::ChatStopRequested(command(&session)?)).await?;
    tx.commit().await?;
    Ok(SessionAction {
        session_id: session.id,
        status: "stopping".to_owned(),
        message: "the current answer is being stopped".to_owned(),
    })
}

/// Ends the session (`completed`) and asks the engine to shut its runtime down. Ending an
/// ended session changes nothing.
pub async fn end(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    session_id: &str,
) -> Result<SessionAction, ApiError> {
    let (mut tx, session) = open_session(platform, ctx, agent_ref, session_id).await?;
    if chat::is_active(&session.status) {
        finish(&mut tx, &session, "completed").await?;
    }
    tx.commit().await?;
    Ok(SessionAction {
        session_id: session.id,
        status: "completed".to_owned(),
        message: "the session has ended".to_owned(),
    })
}

/// Moves an active session to `completed` or `failed`, with the engine's end command.
pub async fn finish(tx: &mut TenantTx, s: &Session, status: &str) -> Result<(), ApiError> {
    sessions::set_status(tx, &s.id, status, None, None, store::now_ms()).await?;
    kit::outbox::append(tx, Event::ChatEndRequested(command(s)?)).await?;
    announce_status(tx, s, status, None).await
}

/// Starts an ended or failed session again; the engine re-injects its stored conversation. The
/// session keeps the member whose keys it uses.
pub async fn restart(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    session_id: &str,
) -> Result<ChatSessionStarted, ApiError> {
    let (mut tx, session) = open_session(platform, ctx, agent_ref, session_id).await?;
    if chat::is_active(&session.status) {
        return Err(ApiError::bad_request(
            "session_active",
            "the session is still active; end it before restarting it",
        ));
    }
    sessions::set_status(
        &mut tx,
        &session.id,
        "starting",
        None,
        None,
        store::now_ms(),
    )
    .await?;
    kit::outbox::append(&mut tx, start_command(&session, true)?).await?;
    announce_status(&mut tx, &session, "starting", None).await?;
    tx.commit().await?;
    Ok(ChatSessionStarted {
        session_id: session.id,
        status: "starting".to_owned(),
        message: "the session is restarting with its conversation".to_owned(),
    })
}

pub async fn status(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    session_id: &str,
) -> Result<SessionStatus, ApiError> {
    let (tx, s) = open_session(platform, ctx, agent_ref, session_id).await?;
    tx.commit().await?;
    Ok(SessionStatus {
        session_id: s.id,
        status: s.status,
        model: s.model,
        container_id: s.container_id,
        created_at: s.created_at,
        last_activity_at: s.last_activity_at,
        message_count: s.message_count,
        exists: true,
    })
}

/// Uses `model` for the session's next answers.
pub async fn change_model(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    session_id: &str,
    model: String,
) -> Result<ModelChanged, ApiError> {
    let (mut tx, session) = open_session(platform, ctx, agent_ref, session_id).await?;
    set_model(&mut tx, &session, &model).await?;
    tx.commit().await?;
    Ok(ModelChanged {
        session_id: session.id,
        model,
        status: "updated".to_owned(),
    })
}

/// Stores the model and tells the engine (`CHAT_MODEL_CHANGED`) when it differs.
pub async fn set_model(tx: &mut TenantTx, s: &Session, model: &str) -> Result<(), ApiError> {
    if s.model == model {
        return Ok(());
    }
    sessions::update_fields(tx, &s.id, Some(model), None, store::now_ms()).await?;
    let changed = ChatModelChanged {
        session_id: s.id.clone(),
        agent_id: agent_of(s)?,
        model: model.to_owned(),
    };
    kit::outbox::append(tx, Event::ChatModelChanged(changed)).await?;
    Ok(())
}
