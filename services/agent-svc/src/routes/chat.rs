//! `/v1/agents/{agent_id}/chat/...`: a user (or a service of the tenant) talks to an agent;
//! an agent credential only reaches its own sessions. `{agent_id}` takes the slug too.

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::{ValidJson, ValidQuery};
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::chat::{
    ChatSessionList, ChatSessionStarted, MessageQueued, ModelChanged, ModelQuery,
    SendMessageRequest, SessionAction, SessionListQuery, SessionStatus, StartChatRequest,
};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(message))
        .routes(routes!(stop))
        .routes(routes!(restart))
        .routes(routes!(end))
        .routes(routes!(status))
        .routes(routes!(model))
        .routes(routes!(list))
}

/// Creates a session (`starting`) and asks the engine to start the agent's runtime. The model
/// defaults to the agent's, else the tenant's `defaultWorkingModel`. `sessionType`
/// onboarding/pulse and `userId` are for service credentials.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/chat/start", tag = "chat",
    params(("agent_id" = String, Path, description = "id or slug")),
    request_body = StartChatRequest,
    responses((status = 200, body = ChatSessionStarted), (status = 403), (status = 404),
        (status = 422)))]
async fn start(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    body: Option<ValidJson<StartChatRequest>>,
) -> Result<Json<ChatSessionStarted>, ApiError> {
    let req = body.map(|ValidJson(b)| b).unwrap_or_default();
    Ok(Json(
        flows::chat::start(&platform, &ctx, &agent_id, req).await?,
    ))
}

/// Stores the message and a pending answer and hands it to the engine; answered in order once
/// the runtime is up. 409 `chat_queue_full` with 5 answers pending; 400 `session_not_active`
/// for an ended session (restart it).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/chat/{session_id}/message", tag = "chat",
    params(("agent_id" = String, Path), ("session_id" = String, Path)),
    request_body = SendMessageRequest,
    responses((status = 200, body = MessageQueued), (status = 400), (status = 404),
        (status = 409), (status = 422)))]
async fn message(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, session_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<SendMessageRequest>,
) -> Result<Json<MessageQueued>, ApiError> {
    Ok(Json(
        flows::chat::send(&platform, &ctx, &agent_id, &session_id, body).await?,
    ))
}

/// Stops the answer in progress; the session stays.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/chat/{session_id}/stop", tag = "chat",
    params(("agent_id" = String, Path), ("session_id" = String, Path)),
    responses((status = 200, body = SessionAction), (status = 400), (status = 404)))]
async fn stop(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, session_id)): Path<(String, String)>,
) -> Result<Json<SessionAction>, ApiError> {
    Ok(Json(
        flows::chat::stop(&platform, &ctx, &agent_id, &session_id).await?,
    ))
}

/// Starts an ended or failed session again with its conversation.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/chat/{session_id}/restart", tag = "chat",
    params(("agent_id" = String, Path), ("session_id" = String, Path)),
    responses((status = 200, body = ChatSessionStarted), (status = 400), (status = 404)))]
async fn restart(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, session_id)): Path<(String, String)>,
) -> Result<Json<ChatSessionStarted>, ApiError> {
    Ok(Json(
        flows::chat::restart(&platform, &ctx, &agent_id, &session_id).await?,
    ))
}

/// Ends the session; its runtime shuts down. Ending an ended session changes nothing.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/chat/{session_id}/end", tag = "chat",
    params(("agent_id" = String, Path), ("session_id" = String, Path)),
    responses((status = 200, body = SessionAction), (status = 404)))]
async fn end(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, session_id)): Path<(String, String)>,
) -> Result<Json<SessionAction>, ApiError> {
    Ok(Json(
        flows::chat::end(&platform, &ctx, &agent_id, &session_id).await?,
    ))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/chat/{session_id}/status", tag = "chat",
    params(("agent_id" = String, Path), ("session_id" = String, Path)),
    responses((status = 200, body = SessionStatus), (status = 404)))]
async fn status(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, session_id)): Path<(String, String)>,
) -> Result<Json<SessionStatus>, ApiError> {
    Ok(Json(
        flows::chat::status(&platform, &ctx, &agent_id, &session_id).await?,
    ))
}

/// The model for the session's next answers (`?model=provider/model`).
#[utoipa::path(patch, path = "/v1/agents/{agent_id}/chat/{session_id}/model", tag = "chat",
    params(("agent_id" = String, Path), ("session_id" = String, Path), ModelQuery),
    responses((status = 200, body = ModelChanged), (status = 404), (status = 422)))]
async fn model(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, session_id)): Path<(String, String)>,
    ValidQuery(q): ValidQuery<ModelQuery>,
) -> Result<Json<ModelChanged>, ApiError> {
    Ok(Json(
        flows::chat::change_model(&platform, &ctx, &agent_id, &session_id, q.model).await?,
    ))
}

/// The agent's sessions, newest first (`limit` default 20).
#[utoipa::path(get, path = "/v1/agents/{agent_id}/chat/sessions", tag = "chat_sessions",
    params(("agent_id" = String, Path), SessionListQuery),
    responses((status = 200, body = ChatSessionList), (status = 404), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidQuery(q): ValidQuery<SessionListQuery>,
) -> Result<Json<ChatSessionList>, ApiError> {
    Ok(Json(
        flows::chat_sessions::list(&platform, &ctx, &agent_id, q).await?,
    ))
}
