//! `/v1/agents/{agent_id}/projects…`: the projects an agent is on and its tasks there. HAProxy
//! sends these two paths to project-svc (the data is projects'); the agent (id or slug) is
//! confirmed with agent-svc. Any credential of the tenant; an agent credential for itself only.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::ValidQuery;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::agent_directory::AgentDirectory;
use crate::api::agent_work::AgentTasksQuery;
use crate::flows::agent_work as flow;
use crate::store::agent_work::{AgentProject, AgentTask};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(projects))
        .routes(routes!(tasks))
}

/// The projects the agent is on (archived ones left out), leads first; at most 500.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/projects", tag = "agent-work",
    params(("agent_id" = String, Path)),
    responses((status = 200, body = [AgentProject]), (status = 404), (status = 503)))]
async fn projects(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<AgentProject>>, ApiError> {
    Ok(Json(
        flow::projects(&platform, &ctx, &*directory, &agent_id).await?,
    ))
}

/// The project's tasks assigned to the agent or to nobody, by priority; 403
/// `agent_not_on_project` when the agent is not on the project; at most 500.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/projects/{project_id}/tasks", tag = "agent-work",
    params(("agent_id" = String, Path), ("project_id" = String, Path), AgentTasksQuery),
    responses((status = 200, body = [AgentTask]), (status = 403), (status = 404), (status = 422)))]
async fn tasks(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    ctx: TenantContext,
    Path((agent_id, project_id)): Path<(String, String)>,
    ValidQuery(q): ValidQuery<AgentTasksQuery>,
) -> Result<Json<Vec<AgentTask>>, ApiError> {
    let status = q.status.as_deref();
    Ok(Json(
        flow::tasks(&platform, &ctx, &*directory, &agent_id, &project_id, status).await?,
    ))
}
