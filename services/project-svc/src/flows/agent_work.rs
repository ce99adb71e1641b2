//! An agent's view of the projects (`/v1/agents/{agent_id}/projects…`, which HAProxy sends to
//! project-svc: projects are its data). The agent is confirmed with agent-svc first (its id or
//! slug must name one of the caller's tenant's agents, else 404), before any transaction opens;
//! an agent credential reads only its own.

use axum::http::StatusCode;
use kit::{ApiError, Platform, TenantContext};

use crate::agent_directory::{self, AgentDirectory};
use crate::flows::open_project;
use crate::store::agent_work::{self, AgentProject, AgentTask};

async fn agent_of(
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    agent_ref: &str,
) -> Result<String, ApiError> {
    // Unlike a path that only stores the id, this answers about the agent itself: an id the
    // tenant does not have must be a 404 (never an empty list), so ids are confirmed too.
    let plain = agent_ref
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if agent_ref.is_empty() || agent_ref.len() > 128 || !plain {
        return Err(agent_directory::not_found());
    }
    let agent_id = directory.id_of_slug(&ctx.tenant_id, agent_ref).await?;
    ctx.require_access_to_agent(&agent_id)?;
    Ok(agent_id)
}

pub async fn projects(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    agent_ref: &str,
) -> Result<Vec<AgentProject>, ApiError> {
    let agent_id = agent_of(ctx, directory, agent_ref).await?;
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let rows = agent_work::projects(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(rows)
}

/// 403 `agent_not_on_project` when the agent is not on the project (as the monolith answered).
pub async fn tasks(
    platform: &Platform,
    ctx: &TenantContext,
    directory: &dyn AgentDirectory,
    agent_ref: &str,
    project_id: &str,
    status: Option<&str>,
) -> Result<Vec<AgentTask>, ApiError> {
    let agent_id = agent_of(ctx, directory, agent_ref).await?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    if !agent_work::is_on_project(&mut tx, &agent_id, project_id).await? {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "agent_not_on_project",
            "the agent is not assigned to this project",
        ));
    }
    let rows = agent_work::tasks(&mut tx, &agent_id, project_id, status).await?;
    tx.commit().await?;
    Ok(rows)
}
