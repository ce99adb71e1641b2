//! The use cases of project-svc: each opens the tenant transaction, calls store and domain,
//! records the events that report the change, and commits. The only layer that decides what
//! happens; handlers call one flow, flows never call another service inside a transaction.

pub mod agent_cleanup;
pub mod agent_routines;
pub mod agent_work;
pub mod columns;
pub mod dependencies;
pub mod execution;
pub mod onboarding;
pub mod onboarding_chat;
pub mod onboarding_conversation;
pub mod onboarding_finalize;
pub mod onboarding_replies;
pub mod planning;
pub mod project_agents;
pub mod project_create;
pub mod project_settings;
pub mod projects;
pub mod ready;
pub mod task_changes;
pub mod task_moves;
pub mod tasks;
pub mod templates;
pub mod workflows;

use kit::db::TenantTx;
use kit::outbox;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::ids::{ProjectId, RunId};

use crate::store;

/// A tenant transaction on one of the caller's projects: 404 `project_not_found` when the
/// tenant has no such project, whoever else has one by that id.
pub async fn open_project(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<TenantTx, ApiError> {
    // An id that is not a project id names no project: the same 404 as an unknown one.
    let id = project_ref(project_id)?;
    let mut tx = platform.db.begin_tenant(ctx).await?;
    store::projects::require(&mut tx, &id).await?;
    Ok(tx)
}

/// The project's id as events carry it (`open_project` has already found the project).
pub fn project_ref(project_id: &str) -> Result<ProjectId, ApiError> {
    ProjectId::parse(project_id).map_err(|_| store::projects::not_found())
}

/// Appends `events` (in order) to the outbox inside `tx`, then commits: the events leave with
/// the change they report, or not at all.
pub async fn commit_with(mut tx: TenantTx, events: Vec<Event>) -> Result<(), ApiError> {
    for event in events {
        outbox::append(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// [`commit_with`] for events about one run: they also reach the run's own stream.
pub async fn commit_with_run(
    mut tx: TenantTx,
    run: &RunId,
    events: Vec<Event>,
) -> Result<(), ApiError> {
    for event in events {
        outbox::append_for_run(&mut tx, run, event).await?;
    }
    tx.commit().await?;
    Ok(())
}
