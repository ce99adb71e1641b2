//! Which of an agent's pulse routines work on a project, on which columns, with which tools.
//! The agent must be assigned to the project (404 `project_agent_not_found`). Routines live in
//! agent-svc: `resolve` merges the project's overrides without the routine's own defaults.

use kit::{ApiError, Platform, TenantContext};

use crate::agent_directory::{self, AgentDirectory};
use crate::api::project_agents::{
    CreateRoutineMappingRequest, MappingList, Resolved, ResolvedRoutine,
    UpdateRoutineMappingRequest,
};
use crate::domain::limits;
use crate::flows::project_agents::{check_columns, mapped};
use crate::flows::{commit_with, open_project, project_ref};
use crate::store;
use crate::store::dependencies::lock_project;
use crate::store::project_agents::{self as agents, ColumnRef, Mapping, MappingPatch, NewMapping};

/// An empty list means "no override", stored as null like the reference does.
fn non_empty(list: Option<Vec<String>>) -> Option<Vec<String>> {
    list.filter(|l| !l.is_empty())
}

/// The agent's mappings on this project, with the project's columns to choose from.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    project_id: &str,
    agent_id: &str,
) -> Result<MappingList, ApiError> {
    let project = project_ref(project_id)?;
    let agent_id = &agent_directory::resolve(directory, &ctx.tenant_id, agent_id).await?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    agents::require(&mut tx, &project, agent_id).await?;
    let mappings = agents::mappings(&mut tx, &project, agent_id).await?;
    let project_columns = agents::columns(&mut tx, &project).await?;
    tx.commit().await?;
    Ok(MappingList {
        mappings,
        project_columns,
    })
}

/// Maps a routine; AGENT_ROUTINE_MAPPED.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    project_id: &str,
    agent_id: &str,
    req: CreateRoutineMappingRequest,
) -> Result<Mapping, ApiError> {
    let project = project_ref(project_id)?;
    let agent_id = &agent_directory::resolve(directory, &ctx.tenant_id, agent_id).await?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    agents::require(&mut tx, &project, agent_id).await?;
    lock_project(&mut tx, &project).await?;
    let held = agents::count_mappings(&mut tx, &project, agent_id).await?;
    let max = limits::MAX_ROUTINE_MAPPINGS;
    limits::room(
        "routine_limit_reached",
        "routine mappings of this agent",
        held,
        1,
        max,
    )?;
    let new = NewMapping {
        routine_id: req.routine_id,
        column_ids: non_empty(req.column_ids),
        tool_overrides: non_empty(req.tool_overrides),
        enabled: req.enabled.unwrap_or(true),
    };
    if let Some(ids) = &new.column_ids {
        check_columns(ids, &agents::columns(&mut tx, &project).await?)?;
    }
    let m = agents::insert_mapping(&mut tx, &project, agent_id, &new, store::now_ms()).await?;
    let events = vec![mapped(&m)?];
    commit_with(tx, events).await?;
    Ok(m)
}

/// Changes a mapping; announced like a new mapping.
pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    project_id: &str,
    agent_id: &str,
    mapping_id: &str,
    req: UpdateRoutineMappingRequest,
) -> Result<Mapping, ApiError> {
    let project = project_ref(project_id)?;
    let agent_id = &agent_directory::resolve(directory, &ctx.tenant_id, agent_id).await?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    agents::require(&mut tx, &project, agent_id).await?;
    if let Some(ids) = &req.column_ids {
        check_columns(ids, &agents::columns(&mut tx, &project).await?)?;
    }
    let patch = MappingPatch {
        column_ids: req.column_ids.map(|l| non_empty(Some(l))),
        tool_overrides: req.tool_overrides.map(|l| non_empty(Some(l))),
        enabled: req.enabled,
    };
    let now = store::now_ms();
    let m = agents::update_mapping(&mut tx, &project, agent_id, mapping_id, &patch, now).await?;
    let events = vec![mapped(&m)?];
    commit_with(tx, events).await?;
    Ok(m)
}

/// Removes a mapping (there is no "unmapped" event).
pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    project_id: &str,
    agent_id: &str,
    mapping_id: &str,
) -> Result<(), ApiError> {
    let project = project_ref(project_id)?;
    let agent_id = &agent_directory::resolve(directory, &ctx.tenant_id, agent_id).await?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    agents::require(&mut tx, &project, agent_id).await?;
    agents::delete_mapping(&mut tx, &project, agent_id, mapping_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The project's overrides of the agent's enabled routines.
pub async fn resolve(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    project_id: &str,
    agent_id: &str,
) -> Result<Resolved, ApiError> {
    let project = project_ref(project_id)?;
    let agent_id = &agent_directory::resolve(directory, &ctx.tenant_id, agent_id).await?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    agents::require(&mut tx, &project, agent_id).await?;
    let mappings = agents::mappings(&mut tx, &project, agent_id).await?;
    let columns = agents::columns(&mut tx, &project).await?;
    tx.commit().await?;
    let resolved = mappings
        .into_iter()
        .filter(|m| m.enabled)
        .map(|m| {
            let chosen: Option<Vec<&ColumnRef>> = m.column_ids.as_ref().map(|ids| {
                ids.0
                    .iter()
                    .filter_map(|id| columns.iter().find(|c| &c.id == id))
                    .collect()
            });
            ResolvedRoutine {
                routine_id: m.routine_id,
                mapping_id: m.id,
                effective_columns: chosen
                    .as_ref()
                    .map(|cs| cs.iter().map(|c| c.name.clone()).collect()),
                effective_statuses: chosen
                    .as_ref()
                    .map(|cs| cs.iter().flat_map(|c| c.statuses.0.clone()).collect()),
                effective_tools: m.tool_overrides.map(|t| t.0),
            }
        })
        .collect();
    Ok(Resolved { resolved })
}
