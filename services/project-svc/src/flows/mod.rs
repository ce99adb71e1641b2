//! The use cases of project-svc: each opens the tenant transaction, calls store and domain,
//! records the events that report the change, and commits. The only layer that decides what
//! happens; handlers call one flow, flows never call another service inside a transaction.

pub mod execution;

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::ids::ProjectId;

use crate::store;

/// A tenant transaction on one of the caller's projects: 404 `project_not_found` when the
/// tenant has no such project, whoever else has one by that id.
pub async fn open_project(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<TenantTx, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    store::projects::require(&mut tx, project_id).await?;
    Ok(tx)
}

/// The project's id as events carry it (`open_project` has already found the project).
pub fn project_ref(project_id: &str) -> Result<ProjectId, ApiError> {
    ProjectId::parse(project_id).map_err(|_| store::projects::not_found())
}
