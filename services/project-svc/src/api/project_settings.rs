//! Requests and answers of a project's settings documents: Slack, key user, vision.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::projects as rules;
use crate::domain::validate::{self, MAX_DESCRIPTION, finish};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlackSettings {
    /// Present on answers to a PUT (`updated`), as the reference does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    pub slack_channel_id: Option<String>,
    pub slack_notify_user_id: Option<String>,
}

/// Snake_case as the reference's `SlackSettingsRequest`. Absent or `null` keeps a field, `""`
/// clears it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackSettingsRequest {
    pub slack_channel_id: Option<String>,
    pub slack_notify_user_id: Option<String>,
}

impl Validate for SlackSettingsRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        rules::slack_id(
            "slack_channel_id",
            self.slack_channel_id.as_deref(),
            &mut errors,
        );
        rules::slack_id(
            "slack_notify_user_id",
            self.slack_notify_user_id.as_deref(),
            &mut errors,
        );
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyUser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    pub key_user_id: Option<String>,
}

/// `key_user_id`: a user id of the tenant (`usr_…`), or `null`/`""` to use the instance keys.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyUserRequest {
    pub key_user_id: Option<String>,
}

impl Validate for KeyUserRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        rules::user_id("key_user_id", self.key_user_id.as_deref(), &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Vision {
    /// `""` when the project has none.
    pub vision: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisionRequest {
    /// Markdown, at most 64 KiB; `""` removes the vision.
    pub vision: String,
}

impl Validate for VisionRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::text("vision", Some(&self.vision), MAX_DESCRIPTION, &mut errors);
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VisionUpdated {
    pub status: &'static str,
}
