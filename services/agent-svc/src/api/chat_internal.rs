//! Types of the engine's chat API (`/v1/internal/chat/...`, contract §1.3 chat_sessions
//! "bearer (engine)"): the session status the runtime reports, and the messages it records.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::api::chat::status_rule;
use crate::domain::chat;
use crate::domain::validate::{err, finish};

/// Largest message the engine records (an answer with its tool output), in bytes.
pub const MAX_RECORDED: usize = 1024 * 1024;

/// `GET /v1/internal/chat/sessions?status=a&status=b&limit&offset` (documentation of the
/// query; the handler reads the repeated `status` itself).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InternalListParams {
    /// Repeatable: sessions in any of these statuses.
    pub status: Option<Vec<String>>,
    /// 1..=500, default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// `PATCH /v1/internal/chat/sessions/{session_id}/container`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContainerRequest {
    /// The runtime's id; null or absent keeps the stored one.
    pub container_id: Option<String>,
    pub status: String,
    /// Why the session failed.
    pub error: Option<String>,
}

impl Validate for UpdateContainerRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !chat::is_status(&self.status) {
            errors.push(err("status", status_rule()));
        }
        if self
            .container_id
            .as_ref()
            .is_some_and(|c| c.is_empty() || c.len() > 256)
        {
            errors.push(err("container_id", "must be 1 to 256 characters"));
        }
        if self.error.as_ref().is_some_and(|e| e.len() > 16 * 1024) {
            errors.push(err("error", "must be at most 16 KiB"));
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContainerUpdated {
    pub ok: bool,
    /// The session's status after the call (an ended session keeps its status).
    pub status: String,
    /// Whether the status changed.
    pub changed: bool,
}

/// `PUT /v1/internal/chat/sessions/{session_id}/ensure`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnsureSessionRequest {
    pub agent_id: String,
    pub model: String,
    pub status: Option<String>,
}

impl Validate for EnsureSessionRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.agent_id.is_empty() || self.agent_id.len() > 128 {
            errors.push(err("agent_id", "must be an agent id or slug"));
        }
        if !chat::is_model(&self.model) {
            errors.push(err(
                "model",
                "must be a model name (provider/model, no spaces)",
            ));
        }
        if self.status.as_deref().is_some_and(|s| !chat::is_status(s)) {
            errors.push(err("status", status_rule()));
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionEnsured {
    pub created: bool,
    pub ok: bool,
}

/// `POST /v1/internal/chat/sessions/{session_id}/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMessageRequest {
    /// `user | assistant | system`.
    pub role: String,
    pub content: String,
    pub model: Option<String>,
    pub thinking: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub tool_calls: Option<Vec<Value>>,
}

impl Validate for AddMessageRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !matches!(self.role.as_str(), "user" | "assistant" | "system") {
            errors.push(err("role", "must be user, assistant or system"));
        }
        recorded_text(&self.content, self.thinking.as_deref(), &mut errors);
        if self.model.as_deref().is_some_and(|m| !chat::is_model(m)) {
            errors.push(err(
                "model",
                "must be a model name (provider/model, no spaces)",
            ));
        }
        finish(errors)
    }
}

fn recorded_text(content: &str, thinking: Option<&str>, errors: &mut Vec<FieldError>) {
    if content.len() > MAX_RECORDED {
        errors.push(err(
            "content",
            format!("must be at most {MAX_RECORDED} bytes"),
        ));
    }
    if thinking.is_some_and(|t| t.len() > MAX_RECORDED) {
        errors.push(err(
            "thinking",
            format!("must be at most {MAX_RECORDED} bytes"),
        ));
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageRecorded {
    pub message_id: String,
    pub ok: bool,
}

/// `PATCH /v1/internal/chat/sessions/{session_id}/messages/latest-user`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LatestUserRequest {
    pub content: String,
}

impl Validate for LatestUserRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.content.len() > chat::MAX_MESSAGE_BYTES {
            errors.push(err(
                "content",
                format!("must be at most {} bytes", chat::MAX_MESSAGE_BYTES),
            ));
        }
        finish(errors)
    }
}

/// `PATCH /v1/internal/chat/messages/{message_id}/complete`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteMessageRequest {
    pub content: String,
    pub thinking: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub tool_calls: Option<Vec<Value>>,
    /// The answer was stopped part-way (`response_aborted`); what was said so far is kept.
    #[serde(default)]
    pub aborted: bool,
}

impl Validate for CompleteMessageRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        recorded_text(&self.content, self.thinking.as_deref(), &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageCompleted {
    pub ok: bool,
    /// The message had been completed before: nothing changed.
    pub already_completed: bool,
}
