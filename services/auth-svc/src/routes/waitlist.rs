//! `/v1/waitlist`: public sign-up, and (platform administrators) the list, invitations and the
//! installation's outgoing mail settings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use kit::ApiError;
use kit::extract::{ValidJson, ValidQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::client::{ClientInfo, UserContext};
use crate::api::waitlist::{
    EmailSettingsRequest, EmailSettingsResponse, InviteResponse, JoinRequest, JoinResponse,
    ListFilter, Removed, TestEmailRequest, TestEmailResponse,
};
use crate::flows::waitlist as flow;
use crate::store::waitlist::Entry;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(join))
        .routes(routes!(list))
        .routes(routes!(invite))
        .routes(routes!(remove))
        .routes(routes!(read_settings, save_settings))
        .routes(routes!(test_email))
}

/// Puts an email on the waitlist. The answer is the same whether or not it was already there.
#[utoipa::path(post, path = "/v1/waitlist/join", tag = "waitlist", request_body = JoinRequest,
    responses((status = 200, body = JoinResponse), (status = 422, body = kit::error::ErrorBody),
              (status = 429, body = kit::error::ErrorBody)))]
async fn join(
    State(app): State<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<JoinRequest>,
) -> Result<Json<JoinResponse>, ApiError> {
    flow::join(&app, client.ip, &req.email.trim().to_lowercase()).await?;
    Ok(Json(JoinResponse {
        status: "ok",
        message: "You're on the list. We'll email you when your spot is ready.",
    }))
}

/// Every waitlist entry, newest first (platform administrators).
#[utoipa::path(get, path = "/v1/waitlist/", tag = "waitlist", params(ListFilter),
    security(("bearer" = [])), responses((status = 200, body = [Entry]), (status = 403, body = kit::error::ErrorBody)))]
async fn list(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidQuery(filter): ValidQuery<ListFilter>,
) -> Result<(HeaderMap, Json<Vec<Entry>>), ApiError> {
    let page = filter.page();
    let (entries, total) = flow::list(&app, &ctx, filter.status(), page).await?;
    let status: Vec<String> = filter
        .status()
        .map(|s| format!("status={s}"))
        .into_iter()
        .collect();
    Ok((page.headers("/v1/waitlist/", &status, total), Json(entries)))
}

/// Emails the entry a single-use registration link (platform administrators).
#[utoipa::path(post, path = "/v1/waitlist/{entry_id}/invite", tag = "waitlist", security(("bearer" = [])),
    responses((status = 200, body = InviteResponse), (status = 400, body = kit::error::ErrorBody),
              (status = 404, body = kit::error::ErrorBody), (status = 409, body = kit::error::ErrorBody),
              (status = 502, body = kit::error::ErrorBody)))]
async fn invite(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(entry_id): Path<String>,
) -> Result<Json<InviteResponse>, ApiError> {
    let entry = flow::invite(&app, &ctx, &entry_id).await?;
    Ok(Json(InviteResponse {
        id: entry.id,
        email: entry.email,
        status: entry.status,
    }))
}

/// Removes an entry (platform administrators).
#[utoipa::path(delete, path = "/v1/waitlist/{entry_id}", tag = "waitlist", security(("bearer" = [])),
    responses((status = 200, body = Removed), (status = 404, body = kit::error::ErrorBody)))]
async fn remove(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(entry_id): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    flow::delete(&app, &ctx, &entry_id).await?;
    Ok(Json(Removed {
        id: entry_id,
        status: "deleted",
    }))
}

/// The outgoing mail settings, password masked (platform administrators).
#[utoipa::path(get, path = "/v1/waitlist/email-settings", tag = "waitlist", security(("bearer" = [])),
    responses((status = 200, body = EmailSettingsResponse), (status = 403, body = kit::error::ErrorBody)))]
async fn read_settings(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<EmailSettingsResponse>, ApiError> {
    Ok(Json(flow::email_settings(&app, &ctx).await?.into()))
}

/// Replaces the outgoing mail settings; the password is stored encrypted (platform administrators).
#[utoipa::path(put, path = "/v1/waitlist/email-settings", tag = "waitlist", request_body = EmailSettingsRequest,
    security(("bearer" = [])), responses((status = 200, body = crate::api::Done), (status = 422, body = kit::error::ErrorBody)))]
async fn save_settings(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<EmailSettingsRequest>,
) -> Result<Json<crate::api::Done>, ApiError> {
    let (settings, keep_password) = req.into_settings();
    flow::save_email_settings(&app, &ctx, settings, keep_password).await?;
    Ok(Json(crate::api::OK))
}

/// Sends a test message with the stored settings (platform administrators).
#[utoipa::path(post, path = "/v1/waitlist/email-settings/test", tag = "waitlist", request_body = TestEmailRequest,
    security(("bearer" = [])), responses((status = 200, body = TestEmailResponse), (status = 400, body = kit::error::ErrorBody),
              (status = 502, body = kit::error::ErrorBody)))]
async fn test_email(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<TestEmailRequest>,
) -> Result<Json<TestEmailResponse>, ApiError> {
    let recipient = req.recipient_email.trim().to_lowercase();
    flow::send_test(&app, &ctx, &recipient).await?;
    Ok(Json(TestEmailResponse {
        recipient,
        status: "sent",
    }))
}
