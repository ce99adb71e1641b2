//! An agent's view of the projects (`/v1/agents/{agent_id}/projects…`): the projects it is on and
//! the tasks there that are its own or nobody's. The agent id is stored next to the tenant in
//! `project.project_agents` and `project.tasks`; agent-svc confirmed it before these run.

use kit::ApiError;
use kit::db::TenantTx;
use serde::Serialize;
use shared_schemas::ids::ProjectId;
use sqlx::FromRow;
use sqlx::types::Json;

/// At most this many rows answer one call (lists are bounded, ARCHITECTURE §7).
pub const LIMIT: i64 = 500;

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct AgentProject {
    pub project_id: ProjectId,
    pub agent_id: String,
    pub role: String,
    pub assigned_at: i64,
    pub assigned_by: Option<String>,
    pub project_name: String,
    pub project_status: String,
    pub project_description: String,
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct AgentTask {
    pub id: String,
    pub project_id: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub assigned_agent: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub tags: Json<serde_json::Value>,
    #[schema(value_type = Object)]
    pub metadata: Json<serde_json::Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The projects the agent is on, archived ones left out; leads first, newest assignment first.
pub async fn projects(tx: &mut TenantTx, agent_id: &str) -> Result<Vec<AgentProject>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(
        "select a.project_id, a.agent_id, a.role, a.assigned_at, a.assigned_by,
                p.name as project_name, p.status as project_status,
                p.description as project_description
           from project.project_agents a
           join project.projects p on p.tenant_id = a.tenant_id and p.id = a.project_id
          where a.tenant_id = $1 and a.agent_id = $2 and p.status <> 'archived'
          order by a.role, a.assigned_at desc, a.project_id
          limit $3",
    )
    .bind(&tenant)
    .bind(agent_id)
    .bind(LIMIT)
    .fetch_all(&mut **tx)
    .await?)
}

/// Whether the agent is on the project.
pub async fn is_on_project(
    tx: &mut TenantTx,
    agent_id: &str,
    project_id: &str,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select exists (select 1 from project.project_agents
                         where tenant_id = $1 and project_id = $2 and agent_id = $3)",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The project's tasks assigned to the agent or to nobody, by priority then age.
pub async fn tasks(
    tx: &mut TenantTx,
    agent_id: &str,
    project_id: &str,
    status: Option<&str>,
) -> Result<Vec<AgentTask>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(
        "select id, project_id, title, description, status, priority, assigned_agent, tags,
                metadata, created_at, updated_at
           from project.tasks
          where tenant_id = $1 and project_id = $2
            and (assigned_agent = $3 or assigned_agent is null)
            and ($4::text is null or status = $4)
          order by priority, created_at, id
          limit $5",
    )
    .bind(&tenant)
    .bind(project_id)
    .bind(agent_id)
    .bind(status)
    .bind(LIMIT)
    .fetch_all(&mut **tx)
    .await?)
}
