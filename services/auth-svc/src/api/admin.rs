//! Request and response bodies of the `/v1/admin` routes auth-svc serves: the tenant's accounts
//! as the Admin panel manages them, and notifications for its administrators.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::validate::{self, MAX_NAME, finish};
use crate::store::notifications::Notification;

/// `DELETE /v1/admin/users/{user_id}`: the account is deactivated, not removed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Deactivated {
    /// `deactivated`.
    pub status: &'static str,
    pub user_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationResponse {
    pub id: String,
    /// `info`, `warning` or `error`.
    pub level: String,
    pub title: String,
    pub detail: Option<String>,
    pub read: bool,
    pub read_at: Option<i64>,
    /// The user or service that recorded it.
    pub created_by: String,
    pub created_at: i64,
}

impl From<Notification> for NotificationResponse {
    fn from(n: Notification) -> Self {
        Self {
            read: n.read_at.is_some(),
            read_at: n.read_at,
            id: n.id,
            level: n.level,
            title: n.title,
            detail: n.detail,
            created_by: n.created_by,
            created_at: n.created_at,
        }
    }
}

pub const LEVELS: [&str; 3] = ["info", "warning", "error"];
const MAX_DETAIL: usize = 8_000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNotification {
    /// `info` (default), `warning` or `error`.
    pub level: Option<String>,
    /// At most 256 characters.
    pub title: String,
    /// At most 8000 characters.
    pub detail: Option<String>,
}

impl CreateNotification {
    pub fn level(&self) -> &str {
        self.level.as_deref().unwrap_or("info")
    }
}

impl Validate for CreateNotification {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !LEVELS.contains(&self.level()) {
            errors.push(FieldError {
                path: "level".into(),
                message: "must be one of info, warning, error".into(),
            });
        }
        validate::name("title", &self.title, MAX_NAME, &mut errors);
        if self
            .detail
            .as_ref()
            .is_some_and(|d| d.chars().count() > MAX_DETAIL)
        {
            errors.push(FieldError {
                path: "detail".into(),
                message: format!("must be at most {MAX_DETAIL} characters"),
            });
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// Only the unread ones.
    #[serde(default)]
    pub unread_only: bool,
    /// 1 to 500 (default 50).
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

fn default_limit() -> i64 {
    50
}

impl Validate for NotificationQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(1..=500).contains(&self.limit) {
            errors.push(FieldError {
                path: "limit".into(),
                message: "must be between 1 and 500".into(),
            });
        }
        if self.offset < 0 {
            errors.push(FieldError {
                path: "offset".into(),
                message: "must not be negative".into(),
            });
        }
        finish(errors)
    }
}

/// `GET /v1/users/by-slack-id/{slack_id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlackUser {
    pub user_id: String,
    pub email: String,
    pub display_name: Option<String>,
}

/// `{"ok": true, "marked": n}` of the mark-read routes (the contract answers `ok`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Marked {
    pub ok: bool,
    /// How many notifications changed.
    pub marked: u64,
}
