//! `/v1/waitlist`: public sign-up, and (platform administrators) the list, invitations and the
//! installation's outgoing mail settings.

use axum::Json;
use axum::extract::{Path, Query, State};
use kit::ApiError;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::client::{ClientInfo, UserContext};
use crate::domain::mail::SmtpSettings;
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::flows::waitlist::{self as flow, PASSWORD_MASK};
use crate::store::waitlist::{EmailSettingsRow, Entry, STATUSES};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(join))
        .routes(routes!(list))
        .routes(routes!(invite))
        .routes(routes!(remove))
        .routes(routes!(read_settings, save_settings))
        .routes(routes!(test_email))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JoinRequest {
    pub email: String,
}

impl Validate for JoinRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::email("email", &self.email, &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JoinResponse {
    pub status: &'static str,
    pub message: &'static str,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListFilter {
    /// `waiting`, `invited` or `registered`.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteResponse {
    pub id: String,
    pub email: String,
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Removed {
    pub id: String,
    pub status: &'static str,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailSettingsRequest {
    pub smtp_host: String,
    /// Default 587 (submission with STARTTLS); 465 means TLS from the first byte.
    pub smtp_port: Option<u16>,
    /// Empty: the server needs no login.
    pub smtp_username: String,
    /// Omitted, or the mask GET shows: the stored password stays.
    pub smtp_password: Option<String>,
    /// Default true: refuse a server without TLS.
    pub smtp_use_tls: Option<bool>,
    pub from_email: String,
    pub from_name: Option<String>,
}

fn invalid(path: &str, message: &str) -> FieldError {
    FieldError {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

impl Validate for EmailSettingsRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let host = self.smtp_host.trim();
        if host.is_empty() || host.len() > 253 || host.contains(|c: char| !c.is_ascii_graphic()) {
            errors.push(invalid("smtpHost", "must be a host name or address"));
        }
        if self.smtp_port == Some(0) {
            errors.push(invalid("smtpPort", "must be 1-65535"));
        }
        if self.smtp_username.len() > 256 || self.smtp_username.contains(char::is_control) {
            errors.push(invalid("smtpUsername", "must be at most 256 characters"));
        }
        if self.smtp_password.as_ref().is_some_and(|p| p.len() > 1024) {
            errors.push(invalid("smtpPassword", "must be at most 1024 bytes"));
        }
        validate::email("fromEmail", &self.from_email, &mut errors);
        if let Some(name) = &self.from_name {
            validate::name("fromName", name, MAX_NAME, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailSettingsResponse {
    pub smtp_host: String,
    pub smtp_port: i64,
    pub smtp_username: String,
    /// Never the password: the mask when one is stored, else empty.
    pub smtp_password: String,
    pub smtp_use_tls: bool,
    pub from_email: String,
    pub from_name: String,
    pub configured: bool,
}

impl From<Option<EmailSettingsRow>> for EmailSettingsResponse {
    fn from(row: Option<EmailSettingsRow>) -> Self {
        let configured = row.is_some();
        let row = row.unwrap_or_else(|| EmailSettingsRow {
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_use_tls: true,
            from_email: String::new(),
            from_name: "DjinnBot".to_owned(),
        });
        let mask = if row.smtp_password.is_empty() {
            ""
        } else {
            PASSWORD_MASK
        };
        Self {
            smtp_host: row.smtp_host,
            smtp_port: row.smtp_port,
            smtp_username: row.smtp_username,
            smtp_password: mask.to_owned(),
            smtp_use_tls: row.smtp_use_tls,
            from_email: row.from_email,
            from_name: row.from_name,
            configured,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestEmailRequest {
    pub recipient_email: String,
}

impl Validate for TestEmailRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::email("recipientEmail", &self.recipient_email, &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestEmailResponse {
    pub recipient: String,
    pub status: &'static str,
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
    Query(filter): Query<ListFilter>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    let status = filter.status.as_deref().filter(|s| !s.is_empty());
    if status.is_some_and(|s| !STATUSES.contains(&s)) {
        let msg = "must be waiting, invited or registered";
        return Err(ApiError::validation(vec![invalid("status", msg)]));
    }
    Ok(Json(flow::list(&app, &ctx, status).await?))
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
    let keep_password = req
        .smtp_password
        .as_deref()
        .is_none_or(|p| p == PASSWORD_MASK);
    let settings = SmtpSettings {
        host: req.smtp_host.trim().to_owned(),
        port: req.smtp_port.unwrap_or(587),
        username: req.smtp_username,
        password: SecretString::from(req.smtp_password.unwrap_or_default()),
        use_tls: req.smtp_use_tls.unwrap_or(true),
        from_email: req.from_email.trim().to_lowercase(),
        from_name: req
            .from_name
            .map_or_else(|| "DjinnBot".to_owned(), |n| n.trim().to_owned()),
    };
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
