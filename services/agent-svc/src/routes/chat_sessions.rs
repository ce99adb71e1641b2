//! `/v1/chat/sessions/{session_id}`: one session with its messages, changing and deleting it,
//! and its attachments. An agent credential reaches only its own agent's sessions.

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::chat::{ChatSessionDetail, ChatSessionView, SessionDeleted, UpdateSessionRequest};
use crate::api::chat_attachments::AttachmentList;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(detail, update, delete))
        .routes(routes!(attachments))
}

/// The session and its newest 500 messages, in conversation order.
#[utoipa::path(get, path = "/v1/chat/sessions/{session_id}", tag = "chat_sessions",
    params(("session_id" = String, Path)),
    responses((status = 200, body = ChatSessionDetail), (status = 404)))]
async fn detail(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
) -> Result<Json<ChatSessionDetail>, ApiError> {
    Ok(Json(
        flows::chat_sessions::detail(&platform, &ctx, &session_id).await?,
    ))
}

/// Changes the model, the status (ending an active session shuts its runtime down) or the
/// recorded key resolution.
#[utoipa::path(patch, path = "/v1/chat/sessions/{session_id}", tag = "chat_sessions",
    params(("session_id" = String, Path)), request_body = UpdateSessionRequest,
    responses((status = 200, body = ChatSessionView), (status = 404), (status = 409),
        (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<UpdateSessionRequest>,
) -> Result<Json<ChatSessionView>, ApiError> {
    Ok(Json(
        flows::chat_sessions::update(&platform, &ctx, &session_id, body).await?,
    ))
}

/// Deletes the session, its messages and its attachment files; its runtime shuts down.
#[utoipa::path(delete, path = "/v1/chat/sessions/{session_id}", tag = "chat_sessions",
    params(("session_id" = String, Path)),
    responses((status = 200, body = SessionDeleted), (status = 404)))]
async fn delete(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
) -> Result<Json<SessionDeleted>, ApiError> {
    Ok(Json(
        flows::chat_sessions::delete(&app.platform, &app.paths, &ctx, &session_id).await?,
    ))
}

/// The session's attachments in upload order.
#[utoipa::path(get, path = "/v1/chat/sessions/{session_id}/attachments", tag = "attachments",
    params(("session_id" = String, Path)),
    responses((status = 200, body = AttachmentList), (status = 404)))]
async fn attachments(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
) -> Result<Json<AttachmentList>, ApiError> {
    Ok(Json(
        flows::chat_attachments::list(&platform, &ctx, &session_id).await?,
    ))
}
