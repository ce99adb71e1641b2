//! Request and response types of the routes in `routes::queue`.

use kit::ApiError;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::inbox::Priority;
use crate::domain::validate::{self, MAX_SHORT, err, finish};
use crate::store;

/// The reference's `QueueItem` plus what a non-pipeline item needs (kind, title, payload).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueItem {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub run_id: Option<String>,
    pub step: Option<String>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub priority: Priority,
    pub queued_at: i64,
    pub estimated_duration: Option<i64>,
}

impl From<store::queue::QueueItem> for QueueItem {
    fn from(i: store::queue::QueueItem) -> Self {
        Self {
            id: i.id,
            kind: i.kind,
            title: i.title,
            run_id: i.run_id,
            step: i.step,
            payload: i.payload.0,
            priority: Priority::parse(&i.priority),
            queued_at: i.created_at,
            estimated_duration: i.estimated_duration,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueResponse {
    pub items: Vec<QueueItem>,
    pub length: usize,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnqueueItem {
    /// What sort of work: `step`, `pulse`, `task`, ... (lower-case, digits, hyphens).
    pub kind: String,
    #[serde(default)]
    pub title: String,
    pub run_id: Option<String>,
    pub step: Option<String>,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[serde(default)]
    pub priority: Priority,
    pub estimated_duration: Option<i64>,
}

impl Validate for EnqueueItem {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !validate::is_slug(&self.kind) || self.kind.len() > 32 {
            errors.push(err(
                "kind",
                "must be 1 to 32 lower-case letters, digits or inner hyphens",
            ));
        }
        validate::text("title", Some(&self.title), MAX_SHORT, &mut errors);
        for (path, value) in [("runId", &self.run_id), ("step", &self.step)] {
            if let Some(v) = value
                && (v.is_empty() || v.len() > 128 || v.chars().any(char::is_control))
            {
                errors.push(err(
                    path,
                    "must be 1 to 128 bytes without control characters",
                ));
            }
        }
        if !self.payload.is_object() {
            errors.push(err("payload", "must be a JSON object"));
        } else if self.payload.to_string().len() > MAX_PAYLOAD {
            errors.push(err(
                "payload",
                format!("must be at most {MAX_PAYLOAD} bytes"),
            ));
        }
        if self.estimated_duration.is_some_and(|d| d < 0) {
            errors.push(err("estimatedDuration", "must not be negative"));
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueCancel {
    pub item_id: String,
}

impl Validate for QueueCancel {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueCancelResponse {
    pub cancelled: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmClear {
    pub confirm: bool,
}

impl Validate for ConfirmClear {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueClearResponse {
    pub cleared: u64,
}

/// Largest payload of one item, serialized.
pub const MAX_PAYLOAD: usize = 64 * 1024;

pub fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// Destructive bulk operations ask for an explicit yes, as the reference does.
pub fn require_confirm(confirm: bool, what: &str) -> Result<(), ApiError> {
    if confirm {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "confirm_required",
        format!("set confirm=true to clear the {what}"),
    ))
}
