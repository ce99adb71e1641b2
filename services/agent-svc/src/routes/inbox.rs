//! `/v1/agents/{agent_id}/inbox`: messages to an agent from users, services and other agents of
//! the tenant. Anyone of the tenant may write to an agent's inbox (agents message each other
//! with their own tokens); only the agent itself, users and services read and tidy it.
//! Types in `api::inbox`, use cases in `flows::inbox`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::inbox::{
    InboxCleared, InboxMarked, InboxPage, InboxQuery, MarkRead, MessageView, SendInboxMessage,
};
use crate::api::queue::ConfirmClear;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, send))
        .routes(routes!(mark_read))
        .routes(routes!(clear))
        .routes(routes!(get_one))
}

/// Newest first, filtered and paged.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = InboxPage), (status = 403), (status = 404), (status = 422)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<InboxQuery>,
) -> Result<Json<InboxPage>, ApiError> {
    Ok(Json(flows::inbox::list(&app, &ctx, &agent_id, q).await?))
}

/// Sends a message to the agent: any credential of the tenant, agents only as themselves.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/inbox", tag = "inbox", request_body = SendInboxMessage,
    responses((status = 201, body = MessageView), (status = 403), (status = 404), (status = 422)))]
async fn send(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<SendInboxMessage>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let message = flows::inbox::send(&app, &ctx, &agent_id, body).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Marks messages read; ids that are not the agent's unread messages are ignored.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/inbox/mark-read", tag = "inbox",
    request_body = MarkRead, responses((status = 200, body = InboxMarked), (status = 404)))]
async fn mark_read(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<MarkRead>,
) -> Result<Json<InboxMarked>, ApiError> {
    Ok(Json(
        flows::inbox::mark_read(&app, &ctx, &agent_id, body).await?,
    ))
}

/// Deletes every message; needs `confirm: true` (400 `confirm_required` otherwise).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/inbox/clear", tag = "inbox",
    request_body = ConfirmClear,
    responses((status = 200, body = InboxCleared), (status = 400), (status = 404)))]
async fn clear(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<ConfirmClear>,
) -> Result<Json<InboxCleared>, ApiError> {
    Ok(Json(
        flows::inbox::clear(&app, &ctx, &agent_id, body).await?,
    ))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/inbox/{message_id}", tag = "inbox",
    responses((status = 200, body = MessageView), (status = 404)))]
async fn get_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, message_id)): Path<(String, String)>,
) -> Result<Json<MessageView>, ApiError> {
    Ok(Json(
        flows::inbox::get_one(&app, &ctx, &agent_id, &message_id).await?,
    ))
}
