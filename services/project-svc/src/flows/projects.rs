//! Changes of a project's own fields (the project PUT, archive and the settings PUTs).

use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;

use crate::domain::projects as rules;
use crate::flows::{commit_with, open_project};
use crate::store;
use crate::store::projects::Project;

/// Opens the project locked, lets `change` edit its fields, and only when something changed
/// saves it with the events `announce(before, after)` reports, in one commit. Returns the row
/// as it now is and whether it changed.
pub async fn change_project(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    change: impl FnOnce(&mut Project, i64),
    announce: impl FnOnce(&Project, &Project) -> Result<Vec<Event>, ApiError>,
) -> Result<(Project, bool), ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let mut project = store::projects::lock(&mut tx, project_id).await?;
    let before = project.clone();
    let now = store::now_ms();
    change(&mut project, now);
    let changed = rules::touch(&mut project, &before, now);
    if !changed {
        tx.commit().await?;
        return Ok((project, false));
    }
    store::projects::save(&mut tx, &project).await?;
    let events = announce(&before, &project)?;
    commit_with(tx, events).await?;
    Ok((project, true))
}
