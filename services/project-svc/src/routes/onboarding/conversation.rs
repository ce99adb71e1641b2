//! The conversation of an onboarding session: the user's messages (stored; the agent's reply is
//! engine-svc's to give), and what the agents record while they guide it (context, landing page,
//! handoffs). An agent credential may write only to a session it currently leads; users and
//! services of the tenant may write to any.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shared_schemas::events::Event;
use shared_schemas::events::onboarding::{
    OnboardingContextUpdated, OnboardingHandoff, OnboardingLandingPageUpdated, OnboardingStarted,
};
use shared_schemas::ids::AgentId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::onboarding::{self as rules, MAX_CAPTION, MAX_HIGHLIGHTS, MAX_LANDING_HTML};
use crate::domain::validate::{self, MAX_DESCRIPTION, finish};
use crate::flows::commit_with;
use crate::store::onboarding::{NewMessage, Session, SessionPatch};
use crate::store::{self, now_ms};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(message))
        .routes(routes!(context))
        .routes(routes!(landing_page))
        .routes(routes!(handoff))
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
) -> Result<(kit::db::TenantTx, Session), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let session = store::onboarding::require(&mut tx, session_id, true).await?;
    require_writer(ctx, &session)?;
    rules::require_active(&session.status)?;
    Ok((tx, session))
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

/// What happened to a message: stored, and no agent reply (`agentReply: "unavailable"`,
/// `assistantMessageId: null`) because replies come from engine-svc.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageStored {
    pub session_id: String,
    pub user_message_id: String,
    /// Always `stored`.
    pub status: &'static str,
    /// Always `unavailable`: project-svc does not run agents.
    pub agent_reply: &'static str,
    pub assistant_message_id: Option<String>,
    pub chat_session_id: Option<String>,
}

/// Stores the user's message in an active session (201). No agent answers here: the reply is
/// reported `unavailable` rather than invented.
#[utoipa::path(post, path = "/v1/onboarding/sessions/{session_id}/message", tag = "onboarding",
    params(("session_id" = String, Path)), request_body = SendMessageRequest,
    responses((status = 201, body = MessageStored), (status = 400), (status = 404), (status = 422)))]
pub(super) async fn message(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<MessageStored>), ApiError> {
    let (mut tx, session) = open(&platform, &ctx, &session_id).await?;
    let now = now_ms();
    let new = NewMessage {
        role: "user",
        content: &body.message,
        agent_id: None,
        handoff_to_agent: None,
    };
    let stored = store::onboarding::add_message(&mut tx, &session.id, &new, now).await?;
    let patch = SessionPatch {
        model: body.model,
        ..SessionPatch::default()
    };
    store::onboarding::update(&mut tx, &session.id, patch, now).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(MessageStored {
            session_id: session.id,
            user_message_id: stored.id,
            status: "stored",
            agent_reply: "unavailable",
            assistant_message_id: None,
            chat_session_id: session.chat_session_id,
        }),
    ))
}

/// A JSON object whose keys replace the session context's.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct ContextUpdate(pub Map<String, Value>);

impl Validate for ContextUpdate {}

/// Merges keys into the session's context (a shallow merge; the result ≤ 64 KiB) and publishes
/// ONBOARDING_CONTEXT_UPDATED with the whole context.
#[utoipa::path(patch, path = "/v1/onboarding/sessions/{session_id}/context", tag = "onboarding",
    params(("session_id" = String, Path)), request_body = ContextUpdate,
    responses((status = 200, description = "`{\"status\": \"updated\", \"context\"}`"),
        (status = 400), (status = 403), (status = 404), (status = 422)))]
pub(super) async fn context(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<ContextUpdate>,
) -> Result<Json<Value>, ApiError> {
    let (mut tx, session) = open(&platform, &ctx, &session_id).await?;
    let merged = rules::merge_context(&session.context.0, body.0)?;
    let patch = SessionPatch {
        context: Some(merged.clone()),
        ..SessionPatch::default()
    };
    store::onboarding::update(&mut tx, &session.id, patch, now_ms()).await?;
    let event = Event::OnboardingContextUpdated(OnboardingContextUpdated {
        onboarding_session_id: session.id,
        context: merged.clone(),
    });
    commit_with(tx, vec![event]).await?;
    Ok(Json(
        serde_json::json!({ "status": "updated", "context": merged }),
    ))
}

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

/// Replaces the session's landing page (`{html, caption, last_agent_id, version}`, the version
/// counting up) and publishes ONBOARDING_LANDING_PAGE_UPDATED.
#[utoipa::path(patch, path = "/v1/onboarding/sessions/{session_id}/landing-page",
    tag = "onboarding", params(("session_id" = String, Path)),
    request_body = UpdateLandingPageRequest,
    responses((status = 200, description = "`{\"status\": \"updated\", \"landingPageState\"}`"),
        (status = 400), (status = 403), (status = 404), (status = 422)))]
pub(super) async fn landing_page(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<UpdateLandingPageRequest>,
) -> Result<Json<Value>, ApiError> {
    let (mut tx, session) = open(&platform, &ctx, &session_id).await?;
    let previous = session.landing_page_state.as_ref().map(|j| &j.0);
    let state = rules::landing_page(previous, body.html, body.caption, ctx.agent_id());
    let patch = SessionPatch {
        landing_page_state: Some(state.clone()),
        ..SessionPatch::default()
    };
    store::onboarding::update(&mut tx, &session.id, patch, now_ms()).await?;
    let event = Event::OnboardingLandingPageUpdated(OnboardingLandingPageUpdated {
        onboarding_session_id: session.id,
    });
    commit_with(tx, vec![event]).await?;
    Ok(Json(
        serde_json::json!({ "status": "updated", "landingPageState": state }),
    ))
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

/// Hands the session to `next_agent_id`: records a system note in the conversation, merges
/// `context_update`, and publishes ONBOARDING_HANDOFF (ONBOARDING_STARTED when no agent led it
/// yet), plus ONBOARDING_CONTEXT_UPDATED when the context changed. The phase is left as it is,
/// and no new chat is started (that is engine-svc's).
#[utoipa::path(post, path = "/v1/onboarding/sessions/{session_id}/handoff", tag = "onboarding",
    params(("session_id" = String, Path)), request_body = HandoffRequest,
    responses((status = 200, description = "`{\"status\": \"handed_off\", \"sessionId\", \"fromAgent\", \"toAgent\", …}`"),
        (status = 400), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub(super) async fn handoff(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<HandoffRequest>,
) -> Result<Json<Value>, ApiError> {
    let (mut tx, session) = open(&platform, &ctx, &session_id).await?;
    let from = session.current_agent_id.clone();
    if body.from_agent_id.is_some() && body.from_agent_id != from {
        return Err(ApiError::conflict(
            "handoff_conflict",
            "another agent leads this session now",
        ));
    }
    let to = AgentId::parse(body.next_agent_id.as_str())
        .map_err(|_| validate::field_error("next_agent_id", "not an agent id"))?;
    if from.as_deref() == Some(to.as_str()) {
        return Err(validate::field_error(
            "next_agent_id",
            "already leads this session",
        ));
    }
    let note = rules::handoff_note(
        to.as_str(),
        body.summary.as_deref(),
        body.conversation_highlights.as_deref().unwrap_or_default(),
    );
    let now = now_ms();
    let new = NewMessage {
        role: "system",
        content: &note,
        agent_id: from.as_deref(),
        handoff_to_agent: Some(to.as_str()),
    };
    store::onboarding::add_message(&mut tx, &session.id, &new, now).await?;
    let merged = match body.context_update {
        Some(update) => Some(rules::merge_context(&session.context.0, update)?),
        None => None,
    };
    let patch = SessionPatch {
        current_agent_id: Some(to.to_string()),
        context: merged.clone(),
        ..SessionPatch::default()
    };
    let updated = store::onboarding::update(&mut tx, &session.id, patch, now).await?;
    let mut events = vec![handoff_event(&session.id, from.as_deref(), &to)];
    if let Some(context) = merged {
        events.push(Event::OnboardingContextUpdated(OnboardingContextUpdated {
            onboarding_session_id: session.id.clone(),
            context,
        }));
    }
    commit_with(tx, events).await?;
    Ok(Json(serde_json::json!({
        "status": "handed_off",
        "sessionId": updated.id,
        "fromAgent": from,
        "toAgent": to,
        "currentAgent": updated.current_agent_id,
        "phase": updated.phase,
        "projectId": updated.project_id,
        "newChatSessionId": null,
    })))
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
