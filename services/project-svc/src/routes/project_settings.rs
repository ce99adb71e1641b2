//! A project's settings documents: Slack notifications, the user whose API keys automated
//! runs use, and the vision (contract §1.2 projects/core). Each PUT writes and announces only
//! a real change.

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::project_settings::{
    KeyUser, KeyUserRequest, SlackSettings, SlackSettingsRequest, Vision, VisionRequest,
    VisionUpdated,
};
use crate::flows::project_settings as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_slack, put_slack))
        .routes(routes!(get_key_user, put_key_user))
        .routes(routes!(get_vision, put_vision))
}

#[utoipa::path(get, path = "/v1/projects/{project_id}/slack", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = SlackSettings), (status = 404)))]
async fn get_slack(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<SlackSettings>, ApiError> {
    let p = flow::project(&platform, &ctx, &project_id).await?;
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
    let p = flow::put_slack(&platform, &ctx, &project_id, req).await?;
    Ok(Json(SlackSettings {
        status: Some("updated"),
        slack_channel_id: p.slack_channel_id,
        slack_notify_user_id: p.slack_notify_user_id,
    }))
}

#[utoipa::path(get, path = "/v1/projects/{project_id}/key-user", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = KeyUser), (status = 404)))]
async fn get_key_user(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<KeyUser>, ApiError> {
    let p = flow::project(&platform, &ctx, &project_id).await?;
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
    let p = flow::put_key_user(&platform, &ctx, &project_id, req).await?;
    Ok(Json(KeyUser {
        status: Some("updated"),
        key_user_id: p.key_user_id,
    }))
}

#[utoipa::path(get, path = "/v1/projects/{project_id}/vision", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = Vision), (status = 404)))]
async fn get_vision(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<Vision>, ApiError> {
    let p = flow::project(&platform, &ctx, &project_id).await?;
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
    flow::put_vision(&platform, &ctx, &project_id, req).await?;
    Ok(Json(VisionUpdated { status: "updated" }))
}
