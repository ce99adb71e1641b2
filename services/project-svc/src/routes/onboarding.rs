//! `/v1/onboarding/sessions…`: guided onboarding conversations, per tenant (contract §1.2).
//! project-svc keeps the sessions and what the API receives (user messages, context, landing
//! page, handoffs); the agents' side of the conversation runs in engine-svc, so no reply is
//! ever produced here. `finalize` and `stop` are not served: both need the engine.
//! Users create and manage sessions; the conversation endpoints are in [`conversation`].

mod conversation;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared_schemas::events::{Event, onboarding::OnboardingStarted};
use shared_schemas::ids::AgentId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::onboarding::{self as rules, DEFAULT_MODEL, STATUSES};
use crate::domain::validate::{self, finish};
use crate::flows::commit_with;
use crate::store::onboarding::{Message, NewSession, Session, SessionPatch};
use crate::store::{self, now_ms};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, delete))
        .routes(routes!(abandon))
        .routes(routes!(resume))
        .merge(conversation::routes())
}

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

pub(super) async fn with_messages(
    tx: &mut kit::db::TenantTx,
    session: Session,
) -> Result<SessionResponse, ApiError> {
    let messages = store::onboarding::messages(tx, &session.id).await?;
    Ok(SessionResponse {
        session: session.into(),
        messages: messages.into_iter().map(Into::into).collect(),
    })
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

/// Starts a session for the calling user (status `active`, phase `intake`). Publishes
/// ONBOARDING_STARTED when the template names its first agent.
#[utoipa::path(post, path = "/v1/onboarding/sessions", tag = "onboarding",
    request_body = CreateSessionRequest,
    responses((status = 201, body = SessionResponse), (status = 404), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    body: Option<ValidJson<CreateSessionRequest>>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    let body = body.map(|b| b.0).unwrap_or_default();
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let template = match &body.template_id {
        Some(key) => Some(store::templates::require(&mut tx, key).await?),
        None => None,
    };
    let first_agent = template
        .as_ref()
        .and_then(|t| t.onboarding_agent_chain.as_ref())
        .and_then(|chain| chain.0.first())
        .and_then(|a| AgentId::parse(a.as_str()).ok());
    let new = NewSession {
        user_id: ctx.subject(),
        model: body.model.as_deref().unwrap_or(DEFAULT_MODEL),
        template_id: template.as_ref().map(|t| t.id.as_str()),
        current_agent_id: first_agent.as_ref().map(AgentId::as_str),
    };
    let session = store::onboarding::insert(&mut tx, &new, now_ms()).await?;
    let events = first_agent.map(|agent_id| {
        Event::OnboardingStarted(OnboardingStarted {
            onboarding_session_id: session.id.clone(),
            agent_id,
        })
    });
    commit_with(tx, events.into_iter().collect()).await?;
    let response = SessionResponse {
        session: session.into(),
        messages: Vec::new(),
    };
    Ok((StatusCode::CREATED, Json(response)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `active`, `paused`, `abandoned` or `completed`.
    pub status: Option<String>,
    /// 1..=100, default 20.
    pub limit: Option<i64>,
}

/// The tenant's sessions, newest first.
#[utoipa::path(get, path = "/v1/onboarding/sessions", tag = "onboarding", params(ListQuery),
    responses((status = 200, body = [SessionSummary]), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<SessionSummary>>, ApiError> {
    let Query(q) = query.map_err(|e| validate::field_error("query", e.body_text()))?;
    if let Some(s) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(validate::field_error(
            "status",
            format!("unknown status `{s}`"),
        ));
    }
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(validate::field_error("limit", "must be 1 to 100"));
    }
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let rows = store::onboarding::list(&mut tx, q.status.as_deref(), limit).await?;
    tx.commit().await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// One session with its whole conversation.
#[utoipa::path(get, path = "/v1/onboarding/sessions/{session_id}", tag = "onboarding",
    params(("session_id" = String, Path)),
    responses((status = 200, body = SessionResponse), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
) -> Result<Json<SessionResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let session = store::onboarding::require(&mut tx, &session_id, false).await?;
    let response = with_messages(&mut tx, session).await?;
    tx.commit().await?;
    Ok(Json(response))
}

/// Marks a session abandoned (it can be resumed); abandoning twice changes nothing.
#[utoipa::path(patch, path = "/v1/onboarding/sessions/{session_id}/abandon", tag = "onboarding",
    params(("session_id" = String, Path)),
    responses((status = 200, description = "`{\"sessionId\", \"status\": \"abandoned\"}`"),
        (status = 400), (status = 404)))]
async fn abandon(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(session_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let session = store::onboarding::require(&mut tx, &session_id, true).await?;
    if rules::can_abandon(&session.status)? {
        let patch = SessionPatch {
            status: Some("abandoned"),
            ..SessionPatch::default()
        };
        store::onboarding::update(&mut tx, &session.id, patch, now_ms()).await?;
    }
    tx.commit().await?;
    Ok(Json(
        serde_json::json!({ "sessionId": session.id, "status": "abandoned" }),
    ))
}

/// Makes a paused or abandoned session active again.
#[utoipa::path(post, path = "/v1/onboarding/sessions/{session_id}/resume", tag = "onboarding",
    params(("session_id" = String, Path)),
    responses((status = 200, body = SessionResponse), (status = 400), (status = 404)))]
async fn resume(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(session_id): Path<String>,
) -> Result<Json<SessionResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let session = store::onboarding::require(&mut tx, &session_id, true).await?;
    rules::can_resume(&session.status)?;
    let patch = SessionPatch {
        status: Some("active"),
        ..SessionPatch::default()
    };
    let session = store::onboarding::update(&mut tx, &session.id, patch, now_ms()).await?;
    let response = with_messages(&mut tx, session).await?;
    tx.commit().await?;
    Ok(Json(response))
}

/// Deletes a session and all its messages.
#[utoipa::path(delete, path = "/v1/onboarding/sessions/{session_id}", tag = "onboarding",
    params(("session_id" = String, Path)),
    responses((status = 200, description = "`{\"sessionId\", \"status\": \"deleted\"}`"),
        (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(session_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    store::onboarding::delete(&mut tx, &session_id).await?;
    tx.commit().await?;
    Ok(Json(
        serde_json::json!({ "sessionId": session_id, "status": "deleted" }),
    ))
}
