//! Agents on a project (lead, member, reviewer) and the mapping of their pulse routines to the
//! project's columns. Agents and routines live in agent-svc: their ids are stored next to the
//! tenant and their existence there is not cross-checked (project-svc reads no other service's
//! tables); an agent's slug in place of its id is resolved in agent-svc (`AgentDirectory`).
//! Any credential of the tenant reads; users write.

use axum::Json;
use std::sync::Arc;

use axum::extract::{Path, State};
use kit::auth::scope::UserOnly;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::agent_directory::AgentDirectory;
use crate::api::project_agents::ProjectAgent;
use crate::api::project_agents::{AssignAgentRequest, Assigned, UpdateAgentRoleRequest};
use crate::flows::project_agents as flow;

pub mod routines;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, assign))
        .routes(routes!(set_role, remove))
        .merge(routines::routes())
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
    Ok(Json(flow::list(&platform, &ctx, &project_id).await?))
}

/// Assigns an agent; 409 `agent_already_assigned` when it already is.
#[utoipa::path(post, path = "/v1/projects/{project_id}/agents", tag = "project-agents",
    params(("project_id" = String, Path)), request_body = AssignAgentRequest,
    responses((status = 200, body = Assigned), (status = 404), (status = 409), (status = 422)))]
async fn assign(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    UserOnly(ctx): UserOnly,
    Path(project_id): Path<String>,
    ValidJson(body): ValidJson<AssignAgentRequest>,
) -> Result<Json<Assigned>, ApiError> {
    Ok(Json(
        flow::assign(&platform, &ctx, &*directory, &project_id, body).await?,
    ))
}

/// Changes an agent's role; setting the role it already has changes nothing and announces nothing.
#[utoipa::path(put, path = "/v1/projects/{project_id}/agents/{agent_id}", tag = "project-agents",
    params(("project_id" = String, Path), ("agent_id" = String, Path)),
    request_body = UpdateAgentRoleRequest,
    responses((status = 200, description = "`{\"status\": \"updated\", \"role\"}`"),
        (status = 404), (status = 422)))]
async fn set_role(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpdateAgentRoleRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let role = flow::set_role(&platform, &ctx, &*directory, &project_id, &agent_id, body).await?;
    Ok(Json(
        serde_json::json!({ "status": "updated", "role": role }),
    ))
}

/// Removes an agent from the project, with its routine mappings there.
#[utoipa::path(delete, path = "/v1/projects/{project_id}/agents/{agent_id}",
    tag = "project-agents", params(("project_id" = String, Path), ("agent_id" = String, Path)),
    responses((status = 200, description = "`{\"status\": \"removed\"}`"), (status = 404)))]
async fn remove(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    flow::remove(&platform, &ctx, &*directory, &project_id, &agent_id).await?;
    Ok(Json(serde_json::json!({ "status": "removed" })))
}
