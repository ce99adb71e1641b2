//! Chat sessions (ARCHITECTURE §6, §6b): agent-svc owns sessions, messages and attachments and
//! appends these events through its outbox; engine-svc owns the runtimes that answer them.
//!
//! - `CHAT_SESSION_CREATED | _STATUS_CHANGED | _DELETED` ([`ChatSessionChanged`]) feed the
//!   tenant's chat-session list stream (sse-relay's `/v1/events/chat-sessions`);
//!   `CHAT_MESSAGE_COMPLETED` ([`ChatMessageCompleted`]) reports each finished answer.
//! - `CHAT_START_REQUESTED`, `CHAT_MESSAGE_SENT`, `CHAT_STOP_REQUESTED`, `CHAT_END_REQUESTED`
//!   and `CHAT_MODEL_CHANGED` are commands for engine-svc. They are durable (outbox, then the
//!   global stream): a message sent while the session's runtime is still starting waits for it.
//!   The engine answers through agent-svc's internal chat API (session status, completed
//!   assistant messages) and streams the answer to `keys.session_stream(tenant, session)`.
//!
//! Work locks (`WORK_LOCK_ACQUIRED | _RELEASED`, [`WorkLockChanged`]) sit here too: a chat or a
//! pipeline step takes one while an agent works on something others should not start twice.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{AgentId, UserId};

/// What a chat session is for; the engine picks the runtime's prompt and limits from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChatSessionType {
    /// A person talking to an agent (`/v1/agents/{a}/chat/start`).
    #[default]
    Chat,
    /// A project onboarding conversation (project-svc).
    Onboarding,
    /// An agent woken by a pulse to work its task board.
    Pulse,
}

/// A chat session was created, changed status or was deleted (the event type says which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatSessionChanged {
    pub session_id: String,
    pub agent_id: AgentId,
    /// `starting | running | idle | completed | failed`; `deleted` for `CHAT_SESSION_DELETED`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Start (or restart) the session's runtime. A restart re-injects the stored conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatStartRequested {
    pub session_id: String,
    pub agent_id: AgentId,
    /// `provider/model`.
    pub model: String,
    #[serde(default)]
    pub session_type: ChatSessionType,
    /// The user whose provider keys the session uses (the tenant's keys when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Appended to the agent's persona.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt_supplement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_level: Option<String>,
    /// Set by `/restart`: the session existed and its runtime ended.
    #[serde(default)]
    pub restart: bool,
}

/// A file attached to a chat message, as the runtime sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatAttachmentRef {
    pub id: String,
    pub filename: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub is_image: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_tokens: Option<i64>,
}

/// A user message to answer. agent-svc stored it (`messageId`) with an empty assistant message
/// (`assistantMessageId`) the engine completes when the turn ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageSent {
    pub session_id: String,
    pub agent_id: AgentId,
    pub message_id: String,
    pub assistant_message_id: String,
    pub content: String,
    /// A model for this message only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<ChatAttachmentRef>,
}

/// Stop the answer in progress (`CHAT_STOP_REQUESTED`) or end the session (`CHAT_END_REQUESTED`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatSessionCommand {
    pub session_id: String,
    pub agent_id: AgentId,
}

/// An assistant message was completed (the turn ended, or was stopped: `aborted`). agent-svc
/// appends it with the completion, so a service with a stake in the conversation (project-svc's
/// onboarding) copies the reply without asking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageCompleted {
    pub session_id: String,
    pub agent_id: AgentId,
    pub message_id: String,
    #[serde(default)]
    pub session_type: ChatSessionType,
    pub content: String,
    #[serde(default)]
    pub aborted: bool,
}

/// Use `model` for the session's next answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatModelChanged {
    pub session_id: String,
    pub agent_id: AgentId,
    pub model: String,
}

/// An agent took or gave back a work lock (`keys.agent_work_locks`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkLockChanged {
    pub agent_id: AgentId,
    pub lock_id: String,
    /// What the lock covers, in the agent's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Milliseconds since the epoch; absent on release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}
