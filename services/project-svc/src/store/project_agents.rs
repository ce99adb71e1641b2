//! SQL of `project.project_agents` (agents on a project, with a role) and
//! `project.project_agent_routines` (which of an agent's pulse routines watch which columns of
//! the project). Agents and routines live in agent-svc; their ids are stored next to the tenant
//! and are not checked against agent-svc.

use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use serde::Serialize;
use shared_schemas::ids::ProjectId;
use sqlx::FromRow;
use sqlx::types::Json;

use crate::domain::limits;

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct ProjectAgent {
    pub project_id: ProjectId,
    pub agent_id: String,
    pub role: String,
    pub assigned_at: i64,
    pub assigned_by: Option<String>,
}

pub fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "project_agent_not_found",
        "the agent is not assigned to this project",
    )
}

pub fn mapping_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "routine_mapping_not_found",
        "routine mapping not found",
    )
}

pub async fn list(
    tx: &mut TenantTx,
    project_id: &ProjectId,
) -> Result<Vec<ProjectAgent>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, ProjectAgent>(
        "select project_id, agent_id, role, assigned_at, assigned_by from project.project_agents
         where tenant_id = $1 and project_id = $2 order by role, assigned_at, agent_id
         limit $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(limits::MAX_AGENTS)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// How many agents the project has (read under the project lock by `assign`).
pub async fn count(tx: &mut TenantTx, project_id: &ProjectId) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select count(*) from project.project_agents where tenant_id = $1 and project_id = $2",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// How many routines the agent has mapped in the project.
pub async fn count_mappings(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select count(*) from project.project_agent_routines
          where tenant_id = $1 and project_id = $2 and agent_id = $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await?)
}

/// The assignment, locked for the rest of the transaction; 404 when the agent is not assigned.
pub async fn require(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
) -> Result<ProjectAgent, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, ProjectAgent>(
        "select project_id, agent_id, role, assigned_at, assigned_by from project.project_agents
         where tenant_id = $1 and project_id = $2 and agent_id = $3 for update",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

/// A project has one lead: making another agent lead turns the current one into a member.
/// Returns the demoted agents.
pub async fn demote_lead(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    except: &str,
) -> Result<Vec<String>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows: Vec<String> = sqlx::query_scalar(
        "update project.project_agents set role = 'member'
         where tenant_id = $1 and project_id = $2 and role = 'lead' and agent_id <> $3
         returning agent_id",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(except)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

pub async fn insert(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
    role: &str,
    by: &str,
    now: i64,
) -> Result<ProjectAgent, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, ProjectAgent>(
        "insert into project.project_agents
             (tenant_id, project_id, agent_id, role, assigned_at, assigned_by)
         values ($1, $2, $3, $4, $5, $6)
         returning project_id, agent_id, role, assigned_at, assigned_by",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .bind(role)
    .bind(now)
    .bind(by)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("project_agents_pkey", || {
        ApiError::conflict(
            "agent_already_assigned",
            "the agent is already assigned to this project",
        )
    })
}

pub async fn set_role(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
    role: &str,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update project.project_agents set role = $4
         where tenant_id = $1 and project_id = $2 and agent_id = $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .bind(role)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes the assignment and, through the foreign key, its routine mappings.
pub async fn delete(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let gone = sqlx::query(
        "delete from project.project_agents
         where tenant_id = $1 and project_id = $2 and agent_id = $3",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .execute(&mut **tx)
    .await?;
    if gone.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// A routine mapping in the reference's camelCase form.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub id: String,
    pub project_id: ProjectId,
    pub agent_id: String,
    pub routine_id: String,
    #[schema(value_type = Option<Vec<String>>)]
    pub column_ids: Option<Json<Vec<String>>>,
    #[schema(value_type = Option<Vec<String>>)]
    pub tool_overrides: Option<Json<Vec<String>>>,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const MAPPING: &str = "id, project_id, agent_id, routine_id, column_ids, tool_overrides, enabled,
    created_at, updated_at";

pub async fn mappings(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
) -> Result<Vec<Mapping>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, Mapping>(&format!(
        "select {MAPPING} from project.project_agent_routines
         where tenant_id = $1 and project_id = $2 and agent_id = $3 order by created_at, id
         limit $4"
    ))
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .bind(limits::MAX_ROUTINE_MAPPINGS)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

pub struct NewMapping {
    pub routine_id: String,
    pub column_ids: Option<Vec<String>>,
    pub tool_overrides: Option<Vec<String>>,
    pub enabled: bool,
}

pub async fn insert_mapping(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
    new: &NewMapping,
    now: i64,
) -> Result<Mapping, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, Mapping>(&format!(
        "insert into project.project_agent_routines
             (id, tenant_id, project_id, agent_id, routine_id, column_ids, tool_overrides,
              enabled, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         returning {MAPPING}"
    ))
    .bind(crate::store::new_id("prm_"))
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .bind(&new.routine_id)
    .bind(new.column_ids.as_ref().map(Json))
    .bind(new.tool_overrides.as_ref().map(Json))
    .bind(new.enabled)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("uq_project_agent_routine", || {
        ApiError::conflict(
            "routine_already_mapped",
            "this routine is already mapped to this project for this agent",
        )
    })
}

/// `Some(None)` clears a list (back to the routine's own default); `None` keeps it.
pub struct MappingPatch {
    pub column_ids: Option<Option<Vec<String>>>,
    pub tool_overrides: Option<Option<Vec<String>>>,
    pub enabled: Option<bool>,
}

pub async fn update_mapping(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
    id: &str,
    patch: &MappingPatch,
    now: i64,
) -> Result<Mapping, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as::<_, Mapping>(&format!(
        "update project.project_agent_routines set
             column_ids = case when $5 then $6 else column_ids end,
             tool_overrides = case when $7 then $8 else tool_overrides end,
             enabled = coalesce($9, enabled),
             updated_at = $10
         where tenant_id = $1 and project_id = $2 and agent_id = $3 and id = $4
         returning {MAPPING}"
    ))
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .bind(id)
    .bind(patch.column_ids.is_some())
    .bind(patch.column_ids.clone().flatten().map(Json))
    .bind(patch.tool_overrides.is_some())
    .bind(patch.tool_overrides.clone().flatten().map(Json))
    .bind(patch.enabled)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(mapping_not_found)
}

pub async fn delete_mapping(
    tx: &mut TenantTx,
    project_id: &ProjectId,
    agent_id: &str,
    id: &str,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let gone = sqlx::query(
        "delete from project.project_agent_routines
         where tenant_id = $1 and project_id = $2 and agent_id = $3 and id = $4",
    )
    .bind(tenant)
    .bind(project_id)
    .bind(agent_id)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if gone.rows_affected() == 0 {
        return Err(mapping_not_found());
    }
    Ok(())
}

/// A board column as routine mappings show it.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct ColumnRef {
    pub id: String,
    pub name: String,
    #[schema(value_type = Vec<String>)]
    pub statuses: Json<Vec<String>>,
}

pub async fn columns(
    tx: &mut TenantTx,
    project_id: &ProjectId,
) -> Result<Vec<ColumnRef>, ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as::<_, ColumnRef>(
        "select id, name, task_statuses as statuses from project.kanban_columns
         where tenant_id = $1 and project_id = $2 order by position, id",
    )
    .bind(tenant)
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// Takes the agent off every project of the tenant (its routine mappings go with it).
pub async fn remove_agent(tx: &mut TenantTx, agent_id: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query("delete from project.project_agents where tenant_id = $1 and agent_id = $2")
        .bind(tenant)
        .bind(agent_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
