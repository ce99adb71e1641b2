//! `/v1/internal/chat/...`: engine-svc reports on the sessions it runs, with a service
//! credential of the session's tenant (users and agents: 403). Called directly on the cluster
//! network; HAProxy refuses `/v1/internal` from outside.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use kit::auth::scope::ServiceOnly;
use kit::extract::ValidJson;
use kit::page::Page;
use kit::{ApiError, Platform};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::chat::{ChatSessionList, status_rule};
use crate::api::chat_internal::{
    AddMessageRequest, CompleteMessageRequest, ContainerUpdated, EnsureSessionRequest,
    InternalListParams, LatestUserRequest, MessageCompleted, MessageRecorded, SessionEnsured,
    UpdateContainerRequest,
};
use crate::domain::chat;
use crate::domain::validate::field_error;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(container))
        .routes(routes!(ensure))
        .routes(routes!(add_message))
        .routes(routes!(latest_user))
        .routes(routes!(complete))
}

/// The tenant's sessions in any of the `status` values (repeat the parameter), oldest first.
#[utoipa::path(get, path = "/v1/internal/chat/sessions", tag = "chat_sessions",
    params(InternalListParams),
    responses((status = 200, body = ChatSessionList), (status = 403), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ServiceOnly(ctx): ServiceOnly,
    RawQuery(query): RawQuery,
) -> Result<Json<ChatSessionList>, ApiError> {
    let (statuses, page) = list_query(query.as_deref().unwrap_or_default())?;
    Ok(Json(
        flows::chat_internal::list(&platform, &ctx, &statuses, page).await?,
    ))
}

/// `status=a&status=b&limit&offset` (limit 1..=500, default 100).
fn list_query(query: &str) -> Result<(Vec<String>, Page), ApiError> {
    let (mut statuses, mut limit, mut offset) = (Vec::new(), None, None);
    let number = |name: &str, v: &str| {
        v.parse::<i64>()
            .map_err(|_| field_error(name, "must be an integer"))
    };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "status" if chat::is_status(&value) => statuses.push(value.into_owned()),
            "status" => return Err(field_error("status", status_rule())),
            "limit" => limit = Some(number("limit", &value)?),
            "offset" => offset = Some(number("offset", &value)?),
            other => return Err(field_error(other, "unknown query parameter")),
        }
    }
    let mut errors = Vec::new();
    Page::check(limit, offset, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((statuses, Page::new(limit, offset, 100)))
}

/// The runtime's id and status. Moves the state machine refuses (an ended session reported
/// running) change nothing and answer the status kept (`changed: false`).
#[utoipa::path(patch, path = "/v1/internal/chat/sessions/{session_id}/container",
    tag = "chat_sessions", params(("session_id" = String, Path)),
    request_body = UpdateContainerRequest,
    responses((status = 200, body = ContainerUpdated), (status = 403), (status = 404),
        (status = 422)))]
async fn container(
    State(platform): State<Platform>,
    ServiceOnly(ctx): ServiceOnly,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<UpdateContainerRequest>,
) -> Result<Json<ContainerUpdated>, ApiError> {
    Ok(Json(
        flows::chat_internal::container(&platform, &ctx, &session_id, body).await?,
    ))
}

/// Creates the session if it is missing, else updates its model (and status where allowed).
#[utoipa::path(put, path = "/v1/internal/chat/sessions/{session_id}/ensure",
    tag = "chat_sessions", params(("session_id" = String, Path)),
    request_body = EnsureSessionRequest,
    responses((status = 200, body = SessionEnsured), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
async fn ensure(
    State(platform): State<Platform>,
    ServiceOnly(ctx): ServiceOnly,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<EnsureSessionRequest>,
) -> Result<Json<SessionEnsured>, ApiError> {
    Ok(Json(
        flows::chat_internal::ensure(&platform, &ctx, &session_id, body).await?,
    ))
}

/// Records a complete message (a greeting, a system note, an answer recorded in one piece).
#[utoipa::path(post, path = "/v1/internal/chat/sessions/{session_id}/messages",
    tag = "chat_sessions", params(("session_id" = String, Path)),
    request_body = AddMessageRequest,
    responses((status = 200, body = MessageRecorded), (status = 403), (status = 404),
        (status = 422)))]
async fn add_message(
    State(platform): State<Platform>,
    ServiceOnly(ctx): ServiceOnly,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<AddMessageRequest>,
) -> Result<Json<MessageRecorded>, ApiError> {
    Ok(Json(
        flows::chat_internal::add_message(&platform, &ctx, &session_id, body).await?,
    ))
}

/// Replaces the most recent user message's content (a voice note's transcript).
#[utoipa::path(patch, path = "/v1/internal/chat/sessions/{session_id}/messages/latest-user",
    tag = "chat_sessions", params(("session_id" = String, Path)),
    request_body = LatestUserRequest,
    responses((status = 200, body = MessageRecorded), (status = 403), (status = 404),
        (status = 422)))]
async fn latest_user(
    State(platform): State<Platform>,
    ServiceOnly(ctx): ServiceOnly,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<LatestUserRequest>,
) -> Result<Json<MessageRecorded>, ApiError> {
    Ok(Json(
        flows::chat_internal::replace_latest_user(&platform, &ctx, &session_id, &body.content)
            .await?,
    ))
}

/// Completes a pending answer; completing it again changes nothing (`already_completed`).
#[utoipa::path(patch, path = "/v1/internal/chat/messages/{message_id}/complete",
    tag = "chat_sessions", params(("message_id" = String, Path)),
    request_body = CompleteMessageRequest,
    responses((status = 200, body = MessageCompleted), (status = 403), (status = 404),
        (status = 422)))]
async fn complete(
    State(platform): State<Platform>,
    ServiceOnly(ctx): ServiceOnly,
    Path(message_id): Path<String>,
    ValidJson(body): ValidJson<CompleteMessageRequest>,
) -> Result<Json<MessageCompleted>, ApiError> {
    if !message_id.starts_with("msg_") {
        return Err(crate::store::chat_messages::not_found());
    }
    Ok(Json(
        flows::chat_internal::complete(&platform, &ctx, &message_id, body).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_repeat_and_pages_are_checked() {
        let (statuses, page) = list_query("status=idle&status=running&limit=5").expect("query");
        assert_eq!(statuses, ["idle", "running"]);
        assert_eq!((page.limit, page.offset), (5, 0));
        assert!(list_query("status=sleeping").is_err());
        assert!(list_query("limit=0").is_err());
        assert!(list_query("tenant=x").is_err());
    }
}
