//! `/v1/onboarding/sessions…`: guided onboarding conversations, per tenant (contract §1.2).
//! project-svc keeps the sessions and what the API receives (user messages, context, landing
//! page, handoffs); the leading agent answers through its agent-svc chat. Users create, manage
//! and finalize sessions; the conversation endpoints are in [`conversation`].

mod conversation;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, Platform, TenantContext};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::sync::Arc;

use crate::AppState;
use crate::agent_chat::AgentChat;
use crate::api::onboarding::{
    CreateSessionRequest, FinalizeRequest, Finalized, ListQuery, SessionResponse, SessionSummary,
};
use crate::flows::{onboarding as flow, onboarding_finalize};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, delete))
        .routes(routes!(abandon))
        .routes(routes!(resume))
        .routes(routes!(finalize))
        .merge(conversation::routes())
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
    let req = body.map(|b| b.0).unwrap_or_default();
    let session = flow::create(&platform, &ctx, req).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// The tenant's sessions, newest first: `limit` (at most 100) from `offset`.
#[utoipa::path(get, path = "/v1/onboarding/sessions", tag = "onboarding", params(ListQuery),
    responses((status = 200, body = [SessionSummary]), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> Result<Json<Vec<SessionSummary>>, ApiError> {
    let (limit, offset) = q.page();
    let rows = flow::list(&platform, &ctx, q.status.as_deref(), limit, offset).await?;
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
    Ok(Json(flow::get(&platform, &ctx, &session_id).await?))
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
    let id = flow::abandon(&platform, &ctx, &session_id).await?;
    Ok(Json(
        serde_json::json!({ "sessionId": id, "status": "abandoned" }),
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
    Ok(Json(flow::resume(&platform, &ctx, &session_id).await?))
}

/// Turns the session into a project: creates it (board from `templateId`, else the session's
/// template; onboarding context = the session's context merged with `context`), completes the
/// session (PROJECT_CREATED, ONBOARDING_COMPLETED), then requests the project's planning run
/// and ends the agent's chat. A completed session: 400 `session_completed`.
#[utoipa::path(post, path = "/v1/onboarding/sessions/{session_id}/finalize", tag = "onboarding",
    params(("session_id" = String, Path)), request_body = FinalizeRequest,
    responses((status = 200, body = Finalized), (status = 400), (status = 404), (status = 422)))]
async fn finalize(
    State(platform): State<Platform>,
    State(agent_chat): State<Arc<AgentChat>>,
    UserOnly(ctx): UserOnly,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<FinalizeRequest>,
) -> Result<Json<Finalized>, ApiError> {
    let done =
        onboarding_finalize::finalize(&platform, &agent_chat, &ctx, &session_id, body).await?;
    Ok(Json(done))
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
    flow::delete(&platform, &ctx, &session_id).await?;
    Ok(Json(
        serde_json::json!({ "sessionId": session_id, "status": "deleted" }),
    ))
}
