//! The conversation of an onboarding session: the user's messages (stored, then sent to the
//! leading agent's agent-svc chat, whose reply arrives as an `assistant` message), stopping an
//! answer, and what the agents record while they guide it (context, landing page, handoffs). An agent credential may write only to a session it currently leads; users and
//! services of the tenant may write to any.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::sync::Arc;

use crate::AppState;
use crate::agent_chat::AgentChat;
use crate::api::onboarding::{
    ContextUpdate, HandoffRequest, MessageStored, SendMessageRequest, UpdateLandingPageRequest,
};
use crate::flows::{onboarding_chat, onboarding_conversation as flow};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(message))
        .routes(routes!(stop))
        .routes(routes!(context))
        .routes(routes!(landing_page))
        .routes(routes!(handoff))
}

/// Stores the user's message in an active session (201) and, when an agent leads the session,
/// sends it to that agent's chat (started on first use, and anew after a handoff):
/// `status: "queued"`, `agentReply: "pending"`; the reply arrives as an `assistant` message.
/// No agent leads: `"stored"`, `"unavailable"`. agent-svc unreachable: 503 `agent_unavailable`
/// with the message kept; 5 answers pending: 409 `chat_queue_full`.
#[utoipa::path(post, path = "/v1/onboarding/sessions/{session_id}/message", tag = "onboarding",
    params(("session_id" = String, Path)), request_body = SendMessageRequest,
    responses((status = 201, body = MessageStored), (status = 400), (status = 404),
        (status = 409), (status = 422), (status = 503)))]
pub(super) async fn message(
    State(platform): State<Platform>,
    State(agent_chat): State<Arc<AgentChat>>,
    UserOnly(ctx): UserOnly,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<MessageStored>), ApiError> {
    let stored = flow::message(&platform, &agent_chat, &ctx, &session_id, body).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Stops the answer the session's agent is giving now (the session goes on):
/// `{sessionId, chatSessionId, status: "stopping"}`; 400 `no_active_chat` without a chat.
#[utoipa::path(post, path = "/v1/onboarding/sessions/{session_id}/stop", tag = "onboarding",
    params(("session_id" = String, Path)),
    responses((status = 200, description = "`{\"sessionId\", \"chatSessionId\", \"status\": \"stopping\"}`"),
        (status = 400), (status = 404), (status = 503)))]
pub(super) async fn stop(
    State(platform): State<Platform>,
    State(agent_chat): State<Arc<AgentChat>>,
    UserOnly(ctx): UserOnly,
    Path(session_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        onboarding_chat::stop(&platform, &agent_chat, &ctx, &session_id).await?,
    ))
}

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
    let context = flow::context(&platform, &ctx, &session_id, body).await?;
    Ok(Json(
        serde_json::json!({ "status": "updated", "context": context }),
    ))
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
    let state = flow::landing_page(&platform, &ctx, &session_id, body).await?;
    Ok(Json(
        serde_json::json!({ "status": "updated", "landingPageState": state }),
    ))
}

/// Hands the session to `next_agent_id`: records a system note in the conversation, merges
/// `context_update`, and publishes ONBOARDING_HANDOFF (ONBOARDING_STARTED when no agent led it
/// yet), plus ONBOARDING_CONTEXT_UPDATED when the context changed. The phase is left as it is;
/// the next agent's chat starts with the next user message (`newChatSessionId: null`).
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
    Ok(Json(
        flow::handoff(&platform, &ctx, &session_id, body).await?,
    ))
}
