//! A project's settings documents: Slack notifications, the user whose API keys automated runs
//! use, and the vision. Each change writes and announces only a real change.

use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::project::{ProjectRef, ProjectSlackUpdated};

use crate::api::project_settings::{KeyUserRequest, SlackSettingsRequest, VisionRequest};
use crate::domain::projects::non_empty;
use crate::flows::projects::{change_project, event_id, require_editor};
use crate::flows::{open_project, project_ref};
use crate::store;
use crate::store::projects::Project;

/// The project row the settings are read from.
pub async fn project(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<Project, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let p = store::projects::get(&mut tx, &project_ref(project_id)?).await?;
    tx.commit().await?;
    Ok(p)
}

/// Sets or clears the Slack channel and notified user; PROJECT_SLACK_UPDATED on a change.
pub async fn put_slack(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: SlackSettingsRequest,
) -> Result<Project, ApiError> {
    require_editor(ctx)?;
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
    let (p, _) = change_project(platform, ctx, project_id, change, announce).await?;
    Ok(p)
}

/// Whose API keys automated runs use; users only, since it picks whose keys pay.
/// PROJECT_UPDATED on a change.
pub async fn put_key_user(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: KeyUserRequest,
) -> Result<Project, ApiError> {
    ctx.require_user()?;
    let change = |p: &mut Project, _| p.key_user_id = req.key_user_id.and_then(non_empty);
    let announce = |_: &Project, p: &Project| project_event(p, Event::ProjectUpdated);
    let (p, _) = change_project(platform, ctx, project_id, change, announce).await?;
    Ok(p)
}

/// Replaces the vision document; PROJECT_VISION_UPDATED on a change.
pub async fn put_vision(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: VisionRequest,
) -> Result<(), ApiError> {
    require_editor(ctx)?;
    // Kept as written (markdown); only an all-blank document counts as none.
    let change = |p: &mut Project, _| {
        p.vision = (!req.vision.trim().is_empty()).then_some(req.vision);
    };
    let announce = |_: &Project, p: &Project| project_event(p, Event::ProjectVisionUpdated);
    change_project(platform, ctx, project_id, change, announce).await?;
    Ok(())
}

/// An event that names only the project.
fn project_event(p: &Project, kind: fn(ProjectRef) -> Event) -> Result<Vec<Event>, ApiError> {
    Ok(vec![kind(ProjectRef {
        project_id: event_id(&p.id)?,
    })])
}
