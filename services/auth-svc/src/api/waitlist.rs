//! Request and response bodies of the `waitlist` routes.

use kit::error::FieldError;
use kit::extract::Validate;
use kit::page::{MAX_LIMIT, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::mail::{PASSWORD_MASK, SmtpSettings};
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::store::waitlist::{EmailSettingsRow, STATUSES};
use secrecy::SecretString;

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
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListFilter {
    /// `waiting`, `invited` or `registered`.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
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

impl ListFilter {
    /// The status to filter on; none when absent or empty.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref().filter(|s| !s.is_empty())
    }

    pub fn page(&self) -> Page {
        Page::new(self.limit, self.offset, MAX_LIMIT)
    }
}

impl Validate for ListFilter {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.status().is_some_and(|s| !STATUSES.contains(&s)) {
            errors.push(invalid("status", "must be waiting, invited or registered"));
        }
        Page::check(self.limit, self.offset, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
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

impl EmailSettingsRequest {
    /// The settings to store, and whether to keep the stored password (absent, or sent back
    /// masked); defaults: port 587, TLS on, sender name "DjinnBot".
    pub fn into_settings(self) -> (SmtpSettings, bool) {
        let keep_password = self
            .smtp_password
            .as_deref()
            .is_none_or(|p| p == PASSWORD_MASK);
        let settings = SmtpSettings {
            host: self.smtp_host.trim().to_owned(),
            port: self.smtp_port.unwrap_or(587),
            username: self.smtp_username,
            password: SecretString::from(self.smtp_password.unwrap_or_default()),
            use_tls: self.smtp_use_tls.unwrap_or(true),
            from_email: self.from_email.trim().to_lowercase(),
            from_name: self
                .from_name
                .map_or_else(|| "DjinnBot".to_owned(), |n| n.trim().to_owned()),
        };
        (settings, keep_password)
    }
}
