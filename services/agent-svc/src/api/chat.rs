//! Request and response types of the chat API (`/v1/agents/{a}/chat/...`, `/v1/chat/sessions`;
//! contract §1.3 chat, chat_sessions). The per-agent routes answer camelCase as the monolith
//! did; the session resources answer snake_case as its `chat_sessions` router did.

use kit::error::FieldError;
use kit::extract::Validate;
use kit::page::Page;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::domain::chat::{self, MAX_MESSAGE_BYTES};
use crate::domain::validate::{err, finish};

/// `POST /v1/agents/{agent_id}/chat/start`. Both spellings of the optional fields are read.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartChatRequest {
    /// `provider/model`; default: the agent's model, else the tenant's `defaultWorkingModel`.
    pub model: Option<String>,
    #[serde(alias = "systemPromptSupplement")]
    pub system_prompt_supplement: Option<String>,
    #[serde(alias = "thinkingLevel")]
    pub thinking_level: Option<String>,
    /// `chat` (default); `onboarding` and `pulse` only with a service credential.
    #[serde(rename = "sessionType", alias = "session_type")]
    pub session_type: Option<String>,
    /// The member whose keys the session uses (service credentials only; a user is themself).
    #[serde(rename = "userId", alias = "user_id")]
    pub user_id: Option<String>,
}

impl Validate for StartChatRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        model_field("model", self.model.as_deref(), &mut errors);
        if self
            .system_prompt_supplement
            .as_ref()
            .is_some_and(|s| s.len() > MAX_MESSAGE_BYTES)
        {
            errors.push(err(
                "system_prompt_supplement",
                format!("must be at most {MAX_MESSAGE_BYTES} bytes"),
            ));
        }
        if self
            .thinking_level
            .as_ref()
            .is_some_and(|t| t.is_empty() || t.len() > 32)
        {
            errors.push(err("thinking_level", "must be 1 to 32 characters"));
        }
        if self
            .session_type
            .as_deref()
            .is_some_and(|t| chat::session_type(t).is_none())
        {
            errors.push(err("sessionType", "must be chat, onboarding or pulse"));
        }
        if let Some(user) = &self.user_id
            && shared_schemas::ids::UserId::parse(user.as_str()).is_err()
        {
            errors.push(err("userId", "must be a user id (usr_…)"));
        }
        finish(errors)
    }
}

fn model_field(path: &str, value: Option<&str>, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|m| !chat::is_model(m)) {
        errors.push(err(
            path,
            "must be a model name (provider/model, no spaces)",
        ));
    }
}

/// What start and restart answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatSessionStarted {
    pub session_id: String,
    pub status: String,
    pub message: String,
}

/// `POST …/chat/{session_id}/message`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessageRequest {
    /// 1 byte to 64 KiB.
    pub message: String,
    /// A model for this message only.
    pub model: Option<String>,
    /// Attachments uploaded to this session.
    #[serde(default, alias = "attachmentIds")]
    pub attachment_ids: Vec<String>,
}

impl Validate for SendMessageRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.message.trim().is_empty() {
            errors.push(err("message", "must not be empty"));
        } else if self.message.len() > MAX_MESSAGE_BYTES {
            errors.push(err(
                "message",
                format!("must be at most {MAX_MESSAGE_BYTES} bytes"),
            ));
        }
        model_field("model", self.model.as_deref(), &mut errors);
        if self.attachment_ids.len() > 20 {
            errors.push(err("attachment_ids", "at most 20 attachments per message"));
        }
        finish(errors)
    }
}

/// The message is stored and handed to the engine.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageQueued {
    pub session_id: String,
    /// `queued`.
    pub status: String,
    pub user_message_id: String,
    /// The answer's id; its `completed_at` is set when the engine finishes the turn.
    pub assistant_message_id: String,
}

/// What stop and end answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionAction {
    pub session_id: String,
    pub status: String,
    pub message: String,
}

/// `GET …/chat/{session_id}/status`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionStatus {
    pub session_id: String,
    pub status: String,
    pub model: String,
    pub container_id: Option<String>,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub message_count: i64,
    pub exists: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ModelQuery {
    pub model: String,
}

impl Validate for ModelQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        model_field("model", Some(&self.model), &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModelChanged {
    pub session_id: String,
    pub model: String,
    /// `updated`.
    pub status: String,
}

/// `GET /v1/agents/{agent_id}/chat/sessions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionListQuery {
    pub status: Option<String>,
    /// 1..=500, default 20.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl SessionListQuery {
    pub fn page(&self) -> Page {
        Page::new(self.limit, self.offset, 20)
    }
}

impl Validate for SessionListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        Page::check(self.limit, self.offset, &mut errors);
        if self.status.as_deref().is_some_and(|s| !chat::is_status(s)) {
            errors.push(err("status", status_rule()));
        }
        finish(errors)
    }
}

pub fn status_rule() -> String {
    format!("must be one of {}", chat::STATUSES.join(", "))
}

/// A session as the session resources show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatSessionView {
    pub id: String,
    pub agent_id: String,
    pub status: String,
    pub model: String,
    pub container_id: Option<String>,
    /// `chat | onboarding | pulse`.
    pub session_type: String,
    pub user_id: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub last_activity_at: i64,
    pub completed_at: Option<i64>,
    pub error: Option<String>,
    /// How the session's provider key was resolved, as the engine recorded it.
    #[schema(value_type = Option<Object>)]
    pub key_resolution: Option<Value>,
    pub system_prompt_supplement: Option<String>,
    pub thinking_level: Option<String>,
    pub message_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatSessionList {
    pub sessions: Vec<ChatSessionView>,
    pub total: i64,
    pub has_more: bool,
}

/// One stored message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChatMessageView {
    pub id: String,
    pub session_id: String,
    /// `user | assistant | system`.
    pub role: String,
    pub content: String,
    pub model: Option<String>,
    pub thinking: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub tool_calls: Option<Value>,
    /// Ids of the attachments sent with the message.
    pub attachments: Option<Vec<String>>,
    pub created_at: i64,
    /// Null while an assistant answer is pending.
    pub completed_at: Option<i64>,
}

/// `GET /v1/chat/sessions/{session_id}`: the session and its newest 500 messages in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatSessionDetail {
    #[serde(flatten)]
    pub session: ChatSessionView,
    pub messages: Vec<ChatMessageView>,
}

/// `PATCH /v1/chat/sessions/{session_id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    pub model: Option<String>,
    /// A new status (`starting | running | idle | completed | failed`).
    pub status: Option<String>,
    /// A JSON document (as text, as the monolith took it).
    pub key_resolution: Option<String>,
}

impl Validate for UpdateSessionRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        model_field("model", self.model.as_deref(), &mut errors);
        if self.status.as_deref().is_some_and(|s| !chat::is_status(s)) {
            errors.push(err("status", status_rule()));
        }
        // Postgres' jsonb holds no NUL, not even escaped.
        if let Some(k) = &self.key_resolution
            && (k.len() > 16 * 1024
                || serde_json::from_str::<Value>(k).is_err()
                || k.contains("\\u0000"))
        {
            errors.push(err(
                "key_resolution",
                "must be a JSON document of at most 16 KiB",
            ));
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDeleted {
    pub session_id: String,
    /// `deleted`.
    pub status: String,
}
