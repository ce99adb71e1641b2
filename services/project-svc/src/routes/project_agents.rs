//! Agents on a project (lead, member, reviewer) and the mapping of their pulse routines to the
//! project's columns. Agents and routines live in agent-svc: their ids are stored next to the
//! tenant and their existence there is not cross-checked (project-svc reads no other service's
//! tables). Any credential of the tenant reads; users write.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use shared_schemas::events::Event;
use shared_schemas::events::project::{AgentRoutineMapped, ProjectAgentRemoved, ProjectAgentRole};
use shared_schemas::ids::AgentId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::validate::{self, finish};
use crate::flows::project_ref;
use crate::flows::{commit_with, open_project};
use crate::store::project_agents::{self as agents, ColumnRef, Mapping, ProjectAgent};
use crate::store::{self};

pub mod routines;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, assign))
        .routes(routes!(set_role, remove))
        .merge(routines::routes())
}

pub const ROLES: [&str; 3] = ["lead", "member", "reviewer"];

fn check_role(role: &str, errors: &mut Vec<FieldError>) {
    if !ROLES.contains(&role) {
        errors.push(validate::err(
            "role",
            "must be `lead`, `member` or `reviewer`",
        ));
    }
}

/// An agent id from a path: anything that is not an agent id is not assigned either.
fn agent_ref(agent_id: &str) -> Result<AgentId, ApiError> {
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
    tx: &mut kit::db::TenantTx,
    project_id: &str,
    agent_id: &str,
    role: &str,
    events: &mut Vec<Event>,
) -> Result<(), ApiError> {
    if role == "lead" {
        for demoted in agents::demote_lead(tx, project_id, agent_id).await? {
            events.push(role_event(project_id, &demoted, "member", false)?);
        }
    }
    Ok(())
}

/// The project's agents, leads first.
#[utoipa::path(get, path = "/v1/projects/{project_id}/agents", tag = "project-agents",
    params(("project_id" = String, Path)),
    responses((status = 200, body = [ProjectAgent]), (status = 404)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<Vec<ProjectAgent>>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let rows = agents::list(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(rows))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AssignAgentRequest {
    /// An agent of agent-svc (`agt_…`).
    pub agent_id: String,
    /// `lead`, `member` (default) or `reviewer`.
    pub role: Option<String>,
}

impl Validate for AssignAgentRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if AgentId::parse(self.agent_id.as_str()).is_err() || self.agent_id.len() > 128 {
            errors.push(validate::err("agentId", "must be an agent id (`agt_…`)"));
        }
        if let Some(role) = &self.role {
            check_role(role, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    /// `assigned`.
    pub status: &'static str,
    pub project_id: String,
    pub agent_id: String,
    pub role: String,
    pub assigned_at: i64,
}

/// Assigns an agent; 409 `agent_already_assigned` when it already is.
#[utoipa::path(post, path = "/v1/projects/{project_id}/agents", tag = "project-agents",
    params(("project_id" = String, Path)), request_body = AssignAgentRequest,
    responses((status = 200, body = Assigned), (status = 404), (status = 409), (status = 422)))]
async fn assign(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(project_id): Path<String>,
    ValidJson(body): ValidJson<AssignAgentRequest>,
) -> Result<Json<Assigned>, ApiError> {
    let role = body.role.unwrap_or_else(|| "member".to_owned());
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let mut events = Vec::new();
    take_lead(&mut tx, &project_id, &body.agent_id, &role, &mut events).await?;
    let row = agents::insert(
        &mut tx,
        &project_id,
        &body.agent_id,
        &role,
        ctx.subject(),
        store::now_ms(),
    )
    .await?;
    events.insert(0, role_event(&project_id, &row.agent_id, &row.role, true)?);
    commit_with(tx, events).await?;
    Ok(Json(Assigned {
        status: "assigned",
        project_id: row.project_id,
        agent_id: row.agent_id,
        role: row.role,
        assigned_at: row.assigned_at,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgentRoleRequest {
    pub role: String,
}

impl Validate for UpdateAgentRoleRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_role(&self.role, &mut errors);
        finish(errors)
    }
}

/// Changes an agent's role; setting the role it already has changes nothing and announces nothing.
#[utoipa::path(put, path = "/v1/projects/{project_id}/agents/{agent_id}", tag = "project-agents",
    params(("project_id" = String, Path), ("agent_id" = String, Path)),
    request_body = UpdateAgentRoleRequest,
    responses((status = 200, description = "`{\"status\": \"updated\", \"role\"}`"),
        (status = 404), (status = 422)))]
async fn set_role(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpdateAgentRoleRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let current = agents::require(&mut tx, &project_id, &agent_id).await?;
    let mut events = Vec::new();
    if current.role != body.role {
        take_lead(&mut tx, &project_id, &agent_id, &body.role, &mut events).await?;
        agents::set_role(&mut tx, &project_id, &agent_id, &body.role).await?;
        events.insert(0, role_event(&project_id, &agent_id, &body.role, false)?);
    }
    commit_with(tx, events).await?;
    Ok(Json(
        serde_json::json!({ "status": "updated", "role": body.role }),
    ))
}

/// Removes an agent from the project, with its routine mappings there.
#[utoipa::path(delete, path = "/v1/projects/{project_id}/agents/{agent_id}",
    tag = "project-agents", params(("project_id" = String, Path), ("agent_id" = String, Path)),
    responses((status = 200, description = "`{\"status\": \"removed\"}`"), (status = 404)))]
async fn remove(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    agents::delete(&mut tx, &project_id, &agent_id).await?;
    let events = vec![Event::AgentRemoved(ProjectAgentRemoved {
        project_id: project_ref(&project_id)?,
        agent_id: agent_ref(&agent_id)?,
    })];
    commit_with(tx, events).await?;
    Ok(Json(serde_json::json!({ "status": "removed" })))
}

/// The routine-mapping event, for a created or changed mapping.
fn mapped(m: &Mapping) -> Result<Event, ApiError> {
    Ok(Event::AgentRoutineMapped(AgentRoutineMapped {
        project_id: project_ref(&m.project_id)?,
        agent_id: agent_ref(&m.agent_id)?,
        routine_id: m.routine_id.clone(),
    }))
}

/// `columnIds` must name columns of this project.
fn check_columns(ids: &[String], columns: &[ColumnRef]) -> Result<(), ApiError> {
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

/// 201 for a created mapping, as the reference answers.
fn created(m: Mapping) -> (StatusCode, Json<Mapping>) {
    (StatusCode::CREATED, Json(m))
}
