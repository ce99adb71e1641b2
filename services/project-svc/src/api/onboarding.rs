//! Requests and answers of the onboarding sessions (the reference's camelCase documents).

use kit::ApiError;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::onboarding::{self as rules, STATUSES};
use crate::domain::validate::{self, finish};
use crate::store::onboarding::{Message, Session};

/// A stored message (the reference's `OnboardingMessageResponse`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageResponse {
    pub id: String,
    pub session_id: String,
    /// `user`, `assistant` or `system` (handoff notes).
    pub role: String,
    pub content: String,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub agent_emoji: Option<String>,
    pub tool_calls: Option<Value>,
    pub thinking: Option<String>,
    pub handoff_to_agent: Option<String>,
    pub created_at: i64,
}

impl From<Message> for MessageResponse {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            session_id: m.session_id,
            role: m.role,
            content: m.content,
            agent_id: m.agent_id,
            agent_name: m.agent_name,
            agent_emoji: m.agent_emoji,
            tool_calls: m.tool_calls.map(|j| j.0),
            thinking: m.thinking,
            handoff_to_agent: m.handoff_to_agent,
            created_at: m.created_at,
        }
    }
}

/// A session without its messages (the list's `OnboardingSessionSummary`). Agent names and
/// emojis belong to agent-svc and are `null` here.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionSummary {
    pub id: String,
    pub status: String,
    pub phase: String,
    pub project_id: Option<String>,
    pub template_id: Option<String>,
    pub user_id: Option<String>,
    pub current_agent_id: Option<String>,
    pub current_agent_name: Option<String>,
    pub current_agent_emoji: Option<String>,
    pub model: String,
    pub context: Value,
    pub chat_session_id: Option<String>,
    pub landing_page_state: Option<Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub completed_at: Option<i64>,
}

impl From<Session> for SessionSummary {
    fn from(s: Session) -> Self {
        Self {
            id: s.id,
            status: s.status,
            phase: s.phase,
            project_id: s.project_id,
            template_id: s.template_id,
            user_id: s.user_id,
            current_agent_id: s.current_agent_id,
            current_agent_name: None,
            current_agent_emoji: None,
            model: s.model,
            context: s.context.0,
            chat_session_id: s.chat_session_id,
            landing_page_state: s.landing_page_state.map(|j| j.0),
            created_at: s.created_at,
            updated_at: s.updated_at,
            completed_at: s.completed_at,
        }
    }
}

/// A session with its whole conversation (the reference's `OnboardingSessionResponse`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionResponse {
    #[serde(flatten)]
    pub session: SessionSummary,
    pub messages: Vec<MessageResponse>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateSessionRequest {
    /// Defaults to `anthropic/claude-sonnet-4`, as in the reference.
    pub model: Option<String>,
    /// A template (id or slug) the tenant can see; its first onboarding agent leads the session.
    pub template_id: Option<String>,
}

impl Validate for CreateSessionRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        rules::check_model("model", self.model.as_deref(), &mut errors);
        if self
            .template_id
            .as_ref()
            .is_some_and(|t| t.is_empty() || t.len() > 128)
        {
            errors.push(validate::err("templateId", "must be 1 to 128 characters"));
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `active`, `paused`, `abandoned` or `completed`.
    pub status: Option<String>,
    /// 1..=100, default 20.
    pub limit: Option<i64>,
}

impl ListQuery {
    /// The limit (20 when absent); 422 for an unknown status or a limit outside 1..=100.
    pub fn limit(&self) -> Result<i64, ApiError> {
        if let Some(s) = self.status.as_deref().filter(|s| !STATUSES.contains(s)) {
            return Err(validate::field_error(
                "status",
                format!("unknown status `{s}`"),
            ));
        }
        let limit = self.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(validate::field_error("limit", "must be 1 to 100"));
        }
        Ok(limit)
    }
}
