//! `/v1/projects/{project_id}/agents/{agent_id}/routines`: which of an agent's pulse routines
//! work on this project, on which columns, with which tools. The agent must be assigned to the
//! project (404 `project_agent_not_found`). Routines live in agent-svc: a routine id is checked
//! for its form only, and `resolve` merges the project's overrides without the routine's own
//! defaults (`null` means "the routine's default").

use axum::Json;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::agent_directory::AgentDirectory;
use crate::api::project_agents::Mapping;
use crate::api::project_agents::{
    CreateRoutineMappingRequest, MappingList, Resolved, UpdateRoutineMappingRequest,
};
use crate::flows::agent_routines as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(resolve))
        .routes(routes!(update, delete))
}

/// The agent's mappings on this project, with the project's columns to choose from.
#[utoipa::path(get, path = "/v1/projects/{project_id}/agents/{agent_id}/routines",
    tag = "project-agents", params(("project_id" = String, Path), ("agent_id" = String, Path)),
    responses((status = 200, body = MappingList), (status = 404)))]
async fn list(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    ctx: TenantContext,
    Path((project_id, agent_id)): Path<(String, String)>,
) -> Result<Json<MappingList>, ApiError> {
    Ok(Json(
        flow::list(&platform, &ctx, &*directory, &project_id, &agent_id).await?,
    ))
}

/// Maps a routine; 409 `routine_already_mapped` when it already is, 422 for foreign columns.
#[utoipa::path(post, path = "/v1/projects/{project_id}/agents/{agent_id}/routines",
    tag = "project-agents", params(("project_id" = String, Path), ("agent_id" = String, Path)),
    request_body = CreateRoutineMappingRequest,
    responses((status = 201, body = Mapping), (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<CreateRoutineMappingRequest>,
) -> Result<(StatusCode, Json<Mapping>), ApiError> {
    let m = flow::create(&platform, &ctx, &*directory, &project_id, &agent_id, body).await?;
    // 201 for a created mapping, as the reference answers.
    Ok((StatusCode::CREATED, Json(m)))
}

/// Changes a mapping's columns, tools or switch; the change is announced like a new mapping.
#[utoipa::path(put, path = "/v1/projects/{project_id}/agents/{agent_id}/routines/{mapping_id}",
    tag = "project-agents",
    params(("project_id" = String, Path), ("agent_id" = String, Path),
        ("mapping_id" = String, Path)),
    request_body = UpdateRoutineMappingRequest,
    responses((status = 200, body = Mapping), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id, mapping_id)): Path<(String, String, String)>,
    ValidJson(body): ValidJson<UpdateRoutineMappingRequest>,
) -> Result<Json<Mapping>, ApiError> {
    let m = flow::update(
        &platform,
        &ctx,
        &*directory,
        &project_id,
        &agent_id,
        &mapping_id,
        body,
    )
    .await?;
    Ok(Json(m))
}

/// Removes a mapping (the event catalogue has no "unmapped" event, so none is published).
#[utoipa::path(delete,
    path = "/v1/projects/{project_id}/agents/{agent_id}/routines/{mapping_id}",
    tag = "project-agents",
    params(("project_id" = String, Path), ("agent_id" = String, Path),
        ("mapping_id" = String, Path)),
    responses((status = 200, description = "`{\"status\": \"deleted\", \"id\"}`"),
        (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id, mapping_id)): Path<(String, String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    flow::delete(
        &platform,
        &ctx,
        &*directory,
        &project_id,
        &agent_id,
        &mapping_id,
    )
    .await?;
    Ok(Json(
        serde_json::json!({ "status": "deleted", "id": mapping_id }),
    ))
}

/// The project's overrides of the agent's enabled routines, columns turned into names and
/// statuses (columns deleted since the mapping was made are left out).
#[utoipa::path(get, path = "/v1/projects/{project_id}/agents/{agent_id}/routines/resolve",
    tag = "project-agents", params(("project_id" = String, Path), ("agent_id" = String, Path)),
    responses((status = 200, body = Resolved), (status = 404)))]
async fn resolve(
    State(platform): State<Platform>,
    State(directory): State<Arc<dyn AgentDirectory>>,
    ctx: TenantContext,
    Path((project_id, agent_id)): Path<(String, String)>,
) -> Result<Json<Resolved>, ApiError> {
    Ok(Json(
        flow::resolve(&platform, &ctx, &*directory, &project_id, &agent_id).await?,
    ))
}
