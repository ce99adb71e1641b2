//! A project's settings documents: Slack notifications, the user whose API keys automated
//! runs use, and the vision (contract §1.2 projects/core). Each PUT writes and announces only
//! a real change.

use axum::Json;
use axum::extract::{Path, State};
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use shared_schemas::events::Event;
use shared_schemas::events::project::{ProjectRef, ProjectSlackUpdated};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::projects::{self as rules, non_empty};
use crate::domain::validate::{self, MAX_DESCRIPTION, finish};
use crate::flows::projects::change_project;
use crate::flows::projects::{event_id, require_editor};
use crate::routes::open_project;
use crate::store;
use crate::store::projects::Project;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_slack, put_slack))
        .routes(routes!(get_key_user, put_key_user))
        .routes(routes!(get_vision, put_vision))
}

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

#[utoipa::path(get, path = "/v1/projects/{project_id}/slack", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = SlackSettings), (status = 404)))]
async fn get_slack(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<SlackSettings>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let p = store::projects::get(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(SlackSettings {
        status: None,
        slack_channel_id: p.slack_channel_id,
        slack_notify_user_id: p.slack_notify_user_id,
    }))
}

/// Sets or clears the Slack channel and notified user; `PROJECT_SLACK_UPDATED` on a change.
#[utoipa::path(put, path = "/v1/projects/{project_id}/slack", tag = "projects",
    params(("project_id" = String, Path)), request_body = SlackSettingsRequest,
    responses((status = 200, body = SlackSettings), (status = 403), (status = 404), (status = 422)))]
async fn put_slack(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(req): ValidJson<SlackSettingsRequest>,
) -> Result<Json<SlackSettings>, ApiError> {
    require_editor(&ctx)?;
    let change = |p: &mut Project, _| {
        if let Some(channel) = req.slack_channel_id {
            p.slack_channel_id = non_empty(channel);
        }
        if let Some(user) = req.slack_notify_user_id {
            p.slack_notify_user_id = non_empty(user);
        }
    };
    let announce = |_: &Project, p: &Project| {
        Ok(vec![Event::ProjectSlackUpdated(ProjectSlackUpdated {
            project_id: event_id(&p.id)?,
            slack_channel_id: p.slack_channel_id.clone(),
            slack_notify_user_id: p.slack_notify_user_id.clone(),
        })])
    };
    let (p, _) = change_project(&platform, &ctx, &project_id, change, announce).await?;
    Ok(Json(SlackSettings {
        status: Some("updated"),
        slack_channel_id: p.slack_channel_id,
        slack_notify_user_id: p.slack_notify_user_id,
    }))
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

#[utoipa::path(get, path = "/v1/projects/{project_id}/key-user", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = KeyUser), (status = 404)))]
async fn get_key_user(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<KeyUser>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let p = store::projects::get(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(KeyUser {
        status: None,
        key_user_id: p.key_user_id,
    }))
}

/// Whose API keys automated runs of the project use. Only the id's form is checked (users live
/// in auth-svc); it is always read back within this tenant. Users only: it picks whose keys
/// pay. `PROJECT_UPDATED` on a change.
#[utoipa::path(put, path = "/v1/projects/{project_id}/key-user", tag = "projects",
    params(("project_id" = String, Path)), request_body = KeyUserRequest,
    responses((status = 200, body = KeyUser), (status = 403), (status = 404), (status = 422)))]
async fn put_key_user(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(req): ValidJson<KeyUserRequest>,
) -> Result<Json<KeyUser>, ApiError> {
    ctx.require_user()?;
    let change = |p: &mut Project, _| p.key_user_id = req.key_user_id.and_then(non_empty);
    let announce = |_: &Project, p: &Project| project_event(p, Event::ProjectUpdated);
    let (p, _) = change_project(&platform, &ctx, &project_id, change, announce).await?;
    Ok(Json(KeyUser {
        status: Some("updated"),
        key_user_id: p.key_user_id,
    }))
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

#[utoipa::path(get, path = "/v1/projects/{project_id}/vision", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = Vision), (status = 404)))]
async fn get_vision(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<Vision>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let p = store::projects::get(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(Vision {
        vision: p.vision.unwrap_or_default(),
    }))
}

/// Replaces the vision document; `PROJECT_VISION_UPDATED` on a change.
#[utoipa::path(put, path = "/v1/projects/{project_id}/vision", tag = "projects",
    params(("project_id" = String, Path)), request_body = VisionRequest,
    responses((status = 200, body = VisionUpdated), (status = 403), (status = 404), (status = 422)))]
async fn put_vision(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(req): ValidJson<VisionRequest>,
) -> Result<Json<VisionUpdated>, ApiError> {
    require_editor(&ctx)?;
    // Kept as written (markdown); only an all-blank document counts as none.
    let change = |p: &mut Project, _| {
        p.vision = (!req.vision.trim().is_empty()).then_some(req.vision);
    };
    let announce = |_: &Project, p: &Project| project_event(p, Event::ProjectVisionUpdated);
    change_project(&platform, &ctx, &project_id, change, announce).await?;
    Ok(Json(VisionUpdated { status: "updated" }))
}

/// An event that names only the project.
fn project_event(p: &Project, kind: fn(ProjectRef) -> Event) -> Result<Vec<Event>, ApiError> {
    Ok(vec![kind(ProjectRef {
        project_id: event_id(&p.id)?,
    })])
}
