//! The agent's side of an onboarding conversation, through agent-svc's chat API: the leading
//! agent gets a chat session of its own (started on the first message it is to answer, and
//! again after a handoff or when its chat ended), each user message is sent to it, and an
//! answer in progress can be stopped. Every call runs after the session's transaction commits,
//! so no row is locked while agent-svc works; the reply comes back as an event.

use kit::{ApiError, Platform, TenantContext};
use serde_json::{Value, json};

use crate::agent_chat::{AgentChat, ChatRefusal, StartChat};
use crate::store::onboarding::{self as store, Session};
use crate::store::onboarding_chats::{self as chats, Chat};
use crate::store::{new_id, now_ms};

/// Where a user message went: the chat that answers it and the answer's message id.
pub struct Delivered {
    pub chat_session_id: String,
    pub assistant_message_id: Option<String>,
}

/// A stored user message on its way to the agent leading the session.
pub struct Outgoing<'a> {
    pub session: &'a Session,
    /// The session's chat as it was when the message was stored.
    pub current: Option<Chat>,
    pub agent: &'a str,
    pub user_message_id: &'a str,
    pub message: &'a str,
}

/// Sends the message to the agent leading the session, starting its chat first when it has
/// none (or only the chat of the agent that led before a handoff, or a chat that has ended).
/// 503 `agent_unavailable` when agent-svc cannot take it.
pub async fn deliver(
    platform: &Platform,
    agent_chat: &AgentChat,
    ctx: &TenantContext,
    out: Outgoing<'_>,
) -> Result<Delivered, ApiError> {
    let Outgoing {
        session,
        current,
        agent,
        user_message_id,
        message,
    } = out;
    let mut previous = session.chat_session_id.clone();
    let mut usable = current
        .filter(|c| c.agent_id == agent)
        .map(|c| c.chat_session_id);
    // A chat that has ended is replaced once; a second refusal is agent-svc's to explain.
    for attempt in 0..2 {
        let chat_id = match usable.take() {
            Some(id) => id,
            None => {
                let key = format!("onb-start-{user_message_id}-{attempt}");
                let start = Start {
                    session,
                    agent,
                    previous: previous.as_deref(),
                    key: &key,
                };
                start_chat(platform, agent_chat, ctx, start).await?
            }
        };
        let key = format!("onb-msg-{user_message_id}-{chat_id}");
        match agent_chat
            .send(&ctx.tenant_id, agent, &chat_id, message, &key)
            .await
        {
            Ok(queued) => {
                return Ok(Delivered {
                    chat_session_id: chat_id,
                    assistant_message_id: queued.assistant_message_id,
                });
            }
            Err(ChatRefusal::Ended) => previous = Some(chat_id),
            Err(other) => return Err(other.into()),
        }
    }
    Err(ChatRefusal::Unavailable("a freshly started chat refused the message".to_owned()).into())
}

struct Start<'a> {
    session: &'a Session,
    agent: &'a str,
    /// The session's chat when it was read; the new chat replaces it.
    previous: Option<&'a str>,
    key: &'a str,
}

/// Starts a chat of `agent` for the session and makes it the session's current chat. When a
/// concurrent message started one first, that one is used and ours is ended.
async fn start_chat(
    platform: &Platform,
    agent_chat: &AgentChat,
    ctx: &TenantContext,
    s: Start<'_>,
) -> Result<String, ApiError> {
    let supplement = supplement(&s.session.id, &s.session.context.0);
    let body = StartChat {
        session_type: "onboarding",
        system_prompt_supplement: &supplement,
        model: &s.session.model,
        user_id: Some(ctx.subject()),
    };
    let started = match agent_chat
        .start(&ctx.tenant_id, s.agent, &body, s.key)
        .await
    {
        Ok(id) => id,
        // A 404 on start: agent-svc does not know the agent (deleted since it took the lead).
        Err(ChatRefusal::Ended) => {
            return Err(ChatRefusal::Unavailable(format!("agent {} is unknown", s.agent)).into());
        }
        Err(other) => return Err(other.into()),
    };
    let chat = Chat {
        chat_session_id: started.clone(),
        session_id: s.session.id.clone(),
        agent_id: s.agent.to_owned(),
    };
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let winner = chats::adopt(&mut tx, &chat, s.previous, now_ms()).await?;
    tx.commit().await?;
    match winner {
        None => Ok(started),
        Some(other) => {
            end_quietly(agent_chat, ctx, s.agent, &started).await;
            Ok(other)
        }
    }
}

/// Stops the answer the session's agent is giving now; 400 `no_active_chat` when the session
/// has no chat (or it has ended).
pub async fn stop(
    platform: &Platform,
    agent_chat: &AgentChat,
    ctx: &TenantContext,
    session_id: &str,
) -> Result<Value, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let session = store::require(&mut tx, session_id, false).await?;
    let current = current_chat(&mut tx, &session).await?;
    tx.commit().await?;
    let Some(chat) = current else {
        return Err(ChatRefusal::Ended.into());
    };
    let key = new_id("onb-stop-");
    agent_chat
        .command(
            &ctx.tenant_id,
            &chat.agent_id,
            &chat.chat_session_id,
            "stop",
            &key,
        )
        .await?;
    Ok(json!({
        "sessionId": session.id,
        "chatSessionId": chat.chat_session_id,
        "status": "stopping",
    }))
}

/// The session's current chat, if it started one.
pub async fn current_chat(
    tx: &mut kit::db::TenantTx,
    session: &Session,
) -> Result<Option<Chat>, ApiError> {
    match &session.chat_session_id {
        Some(id) => chats::find(tx, id).await,
        None => Ok(None),
    }
}

/// Ends a chat nobody needs any more; a failure only leaves it to agent-svc's idle reaper.
pub async fn end_quietly(agent_chat: &AgentChat, ctx: &TenantContext, agent: &str, chat: &str) {
    let key = format!("onb-end-{chat}");
    if let Err(err) = agent_chat
        .command(&ctx.tenant_id, agent, chat, "end", &key)
        .await
    {
        tracing::warn!(chat, error = ?err, "ending an onboarding chat failed");
    }
}

/// What the agent is told on top of its persona: that it leads a project onboarding, what the
/// session knows so far, and the project-svc routes its token may use for this session.
pub fn supplement(session_id: &str, context: &Value) -> String {
    let base = format!("/v1/onboarding/sessions/{session_id}");
    format!(
        "You are leading a project onboarding conversation (onboarding session {session_id}). \
         Help the user shape a new project: its goal, scope, users, constraints and a first \
         landing page. Ask one thing at a time and keep what you learn recorded.\n\n\
         What the session knows so far (its context, JSON): {context}\n\n\
         project-svc routes your agent token may use while you lead this session:\n\
         - PATCH {base}/context with a JSON object: its keys replace the context's.\n\
         - PATCH {base}/landing-page with {{\"html\", \"caption\"?}}: the project's landing page.\n\
         - POST {base}/handoff with {{\"next_agent_id\", \"from_agent_id\", \"summary\"?, \
           \"context_update\"?, \"conversation_highlights\"?}}: hands the conversation to another \
           agent, who continues it in a chat of its own.\n\
         The user turns the session into a project (finalize) when it is ready."
    )
}
