//! Requests and answers of the onboarding sessions (the reference's camelCase documents).

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shared_schemas::ids::AgentId;

use crate::domain::onboarding::{
    self as rules, MAX_CAPTION, MAX_HIGHLIGHTS, MAX_LANDING_HTML, STATUSES,
};
use crate::domain::validate::{self, MAX_DESCRIPTION, MAX_NAME, finish};
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
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `active`, `paused`, `abandoned` or `completed`.
    pub status: Option<String>,
    /// 1..=100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Sessions to skip (≥ 0), for the next page.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl Validate for ListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(s) = self.status.as_deref().filter(|s| !STATUSES.contains(s)) {
            errors.push(kit::validate::err(
                "status",
                format!("unknown status `{s}`"),
            ));
        }
        if self.limit.is_some_and(|l| !(1..=100).contains(&l)) {
            errors.push(kit::validate::err("limit", "must be 1 to 100"));
        }
        if self.offset.is_some_and(|o| o < 0) {
            errors.push(kit::validate::err("offset", "must not be negative"));
        }
        finish(errors)
    }
}

impl ListQuery {
    /// The page: 20 sessions from the start unless asked otherwise.
    pub fn page(&self) -> (i64, i64) {
        (self.limit.unwrap_or(20), self.offset.unwrap_or(0))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessageRequest {
    pub message: String,
    /// Switches the session's model for what follows.
    pub model: Option<String>,
}

impl Validate for SendMessageRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.message.trim().is_empty() {
            errors.push(validate::err("message", "must not be empty"));
        }
        validate::text("message", Some(&self.message), MAX_DESCRIPTION, &mut errors);
        rules::check_model("model", self.model.as_deref(), &mut errors);
        finish(errors)
    }
}

/// What happened to a message: stored, then sent to the leading agent's chat (`status:
/// "queued"`, `agentReply: "pending"`, the reply arrives later as an `assistant` message), or,
/// with no agent leading the session, only stored (`"stored"`, `"unavailable"`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageStored {
    pub session_id: String,
    pub user_message_id: String,
    /// `queued` (an agent answers) or `stored` (no agent leads the session).
    pub status: &'static str,
    /// `pending` or `unavailable`.
    pub agent_reply: &'static str,
    /// The agent-svc chat message that will hold the answer.
    pub assistant_message_id: Option<String>,
    /// The leading agent's agent-svc chat session.
    pub chat_session_id: Option<String>,
}

/// Turns the session into a project.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalizeRequest {
    /// 1 to 256 characters.
    pub project_name: String,
    pub description: Option<String>,
    pub repository: Option<String>,
    /// Merged over the session's context; the result is the project's onboarding context.
    #[schema(value_type = Option<Object>)]
    pub context: Option<Map<String, Value>>,
    /// A template (id or slug) for the board; the session's template when absent.
    #[serde(rename = "templateId")]
    pub template_id: Option<String>,
}

impl Validate for FinalizeRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("project_name", &self.project_name, MAX_NAME, &mut errors);
        validate::text(
            "description",
            self.description.as_deref(),
            MAX_DESCRIPTION,
            &mut errors,
        );
        crate::domain::board::repository("repository", self.repository.as_deref(), &mut errors);
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

/// The finalized session: its project, and the planning run requested for it (`planningRunId`
/// null with `planningError` when the request failed; the project exists either way).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Finalized {
    pub session_id: String,
    pub project_id: String,
    pub project_name: String,
    pub planning_run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planning_error: Option<String>,
    /// Always `completed`.
    pub status: &'static str,
    /// Always null: no workspace is set up here.
    #[schema(value_type = Option<Object>)]
    pub workspace_setup: Option<Value>,
}

/// A JSON object whose keys replace the session context's.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct ContextUpdate(pub Map<String, Value>);

impl Validate for ContextUpdate {}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLandingPageRequest {
    /// The whole page, ≤ 256 KiB.
    pub html: String,
    pub caption: Option<String>,
}

impl Validate for UpdateLandingPageRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.html.trim().is_empty() {
            errors.push(validate::err("html", "must not be empty"));
        }
        validate::text("html", Some(&self.html), MAX_LANDING_HTML, &mut errors);
        validate::text("caption", self.caption.as_deref(), MAX_CAPTION, &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoffRequest {
    /// The agent (`agt_…`) that leads the session from now on.
    pub next_agent_id: String,
    #[schema(value_type = Option<Object>)]
    pub context_update: Option<Map<String, Value>>,
    pub summary: Option<String>,
    /// When given, must be the agent leading the session now (409 `handoff_conflict` if not).
    pub from_agent_id: Option<String>,
    pub conversation_highlights: Option<Vec<String>>,
}

impl Validate for HandoffRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if AgentId::parse(self.next_agent_id.as_str()).is_err() {
            errors.push(validate::err(
                "next_agent_id",
                "must be an agent id (`agt_…`)",
            ));
        }
        validate::text(
            "summary",
            self.summary.as_deref(),
            MAX_DESCRIPTION,
            &mut errors,
        );
        let highlights = self.conversation_highlights.as_deref().unwrap_or_default();
        if highlights.len() > MAX_HIGHLIGHTS {
            errors.push(validate::err(
                "conversation_highlights",
                format!("at most {MAX_HIGHLIGHTS}"),
            ));
        }
        for (i, h) in highlights.iter().enumerate() {
            let path = format!("conversation_highlights[{i}]");
            validate::text(&path, Some(h), validate::MAX_TEXT, &mut errors);
        }
        finish(errors)
    }
}
