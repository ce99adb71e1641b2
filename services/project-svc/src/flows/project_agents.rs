//! Agents on a project (lead, member, reviewer). Agents live in agent-svc: their ids are stored
//! next to the tenant. An id is not cross-checked; a slug is resolved in agent-svc first.

use kit::db::TenantTx;
use kit::error::FieldError;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::project::{AgentRoutineMapped, ProjectAgentRemoved, ProjectAgentRole};
use shared_schemas::ids::AgentId;

use crate::agent_directory::{self, AgentDirectory};
use crate::api::project_agents::{AssignAgentRequest, Assigned, UpdateAgentRoleRequest};
use crate::domain::limits;
use crate::domain::validate;
use crate::flows::{commit_with, open_project, project_ref};
use crate::store;
use crate::store::dependencies::lock_project;
use crate::store::project_agents::{self as agents, ColumnRef, Mapping, ProjectAgent};

/// The project's agents, leads first.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<Vec<ProjectAgent>, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let rows = agents::list(&mut tx, &project_ref(project_id)?).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Assigns an agent (`member` by default); AGENT_ASSIGNED, and the demoted lead's change.
pub async fn assign(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    project_id: &str,
    req: AssignAgentRequest,
) -> Result<Assigned, ApiError> {
    let project = project_ref(project_id)?;
    let agent_id = agent_directory::resolve(directory, &ctx.tenant_id, &req.agent_id).await?;
    let role = req.role.unwrap_or_else(|| "member".to_owned());
    let mut tx = open_project(platform, ctx, project_id).await?;
    lock_project(&mut tx, &project).await?;
    let held = agents::count(&mut tx, &project).await?;
    limits::room("agent_limit_reached", "agents", held, 1, limits::MAX_AGENTS)?;
    let mut events = Vec::new();
    take_lead(&mut tx, project_id, &agent_id, &role, &mut events).await?;
    let row = agents::insert(
        &mut tx,
        &project,
        &agent_id,
        &role,
        ctx.subject(),
        store::now_ms(),
    )
    .await?;
    events.insert(0, role_event(project_id, &row.agent_id, &row.role, true)?);
    commit_with(tx, events).await?;
    Ok(Assigned {
        status: "assigned",
        project_id: row.project_id.into_string(),
        agent_id: row.agent_id,
        role: row.role,
        assigned_at: row.assigned_at,
    })
}

/// Changes an agent's role and returns it; the role it already has announces nothing.
pub async fn set_role(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    project_id: &str,
    agent_id: &str,
    req: UpdateAgentRoleRequest,
) -> Result<String, ApiError> {
    let project = project_ref(project_id)?;
    let agent_id = &agent_directory::resolve(directory, &ctx.tenant_id, agent_id).await?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let current = agents::require(&mut tx, &project, agent_id).await?;
    let mut events = Vec::new();
    if current.role != req.role {
        take_lead(&mut tx, project_id, agent_id, &req.role, &mut events).await?;
        agents::set_role(&mut tx, &project, agent_id, &req.role).await?;
        events.insert(0, role_event(project_id, agent_id, &req.role, false)?);
    }
    commit_with(tx, events).await?;
    Ok(req.role)
}

/// Removes the agent from the project with its routine mappings; AGENT_REMOVED.
pub async fn remove(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    project_id: &str,
    agent_id: &str,
) -> Result<(), ApiError> {
    let agent_id = &agent_directory::resolve(directory, &ctx.tenant_id, agent_id).await?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    agents::delete(&mut tx, &project_ref(project_id)?, agent_id).await?;
    let events = vec![Event::AgentRemoved(ProjectAgentRemoved {
        project_id: project_ref(project_id)?,
        agent_id: agent_ref(agent_id)?,
    })];
    commit_with(tx, events).await
}

/// An agent id from a path: anything that is not an agent id is not assigned either.
pub fn agent_ref(agent_id: &str) -> Result<AgentId, ApiError> {
    AgentId::parse(agent_id).map_err(|_| agents::not_found())
}

fn role_event(
    project_id: &str,
    agent_id: &str,
    role: &str,
    assigned: bool,
) -> Result<Event, ApiError> {
    let payload = ProjectAgentRole {
        project_id: project_ref(project_id)?,
        agent_id: agent_ref(agent_id)?,
        role: role.to_owned(),
    };
    Ok(if assigned {
        Event::AgentAssigned(payload)
    } else {
        Event::AgentRoleUpdated(payload)
    })
}

/// Making `agent_id` lead demotes the previous lead, which announces its own role change.
async fn take_lead(
    tx: &mut TenantTx,
    project_id: &str,
    agent_id: &str,
    role: &str,
    events: &mut Vec<Event>,
) -> Result<(), ApiError> {
    if role == "lead" {
        for demoted in agents::demote_lead(tx, &project_ref(project_id)?, agent_id).await? {
            events.push(role_event(project_id, &demoted, "member", false)?);
        }
    }
    Ok(())
}

/// The routine-mapping event, for a created or changed mapping.
pub fn mapped(m: &Mapping) -> Result<Event, ApiError> {
    Ok(Event::AgentRoutineMapped(AgentRoutineMapped {
        project_id: m.project_id.clone(),
        agent_id: agent_ref(&m.agent_id)?,
        routine_id: m.routine_id.clone(),
    }))
}

/// `columnIds` must name columns of this project.
pub fn check_columns(ids: &[String], columns: &[ColumnRef]) -> Result<(), ApiError> {
    let errors: Vec<FieldError> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !columns.iter().any(|c| &c.id == *id))
        .map(|(i, _)| validate::err(&format!("columnIds[{i}]"), "not a column of this project"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}
