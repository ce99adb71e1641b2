//! `/v1/projects/{project_id}/agents/{agent_id}/routines`: which of an agent's pulse routines
//! work on this project, on which columns, with which tools. The agent must be assigned to the
//! project (404 `project_agent_not_found`). Routines live in agent-svc: a routine id is checked
//! for its form only, and `resolve` merges the project's overrides without the routine's own
//! defaults (`null` means "the routine's default").

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{check_columns, created, mapped};
use crate::AppState;
use crate::domain::validate::{self, finish};
use crate::flows::{commit_with, open_project};
use crate::store::project_agents::{self as agents, ColumnRef, Mapping, MappingPatch, NewMapping};
use crate::store::{self};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(resolve))
        .routes(routes!(update, delete))
}

const MAX_LIST: usize = 100;
const MAX_TOOL: usize = 128;

fn check_ids(path: &str, ids: Option<&Vec<String>>, max_len: usize, errors: &mut Vec<FieldError>) {
    let Some(ids) = ids else { return };
    if ids.len() > MAX_LIST {
        errors.push(validate::err(path, format!("at most {MAX_LIST} entries")));
    }
    for (i, id) in ids.iter().enumerate() {
        if id.trim().is_empty() || id.len() > max_len || id.chars().any(char::is_control) {
            errors.push(validate::err(
                &format!("{path}[{i}]"),
                format!("must be 1 to {max_len} characters"),
            ));
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateRoutineMappingRequest {
    /// A pulse routine of the agent in agent-svc.
    pub routine_id: String,
    /// Columns of this project the routine watches; absent: the routine's own columns.
    pub column_ids: Option<Vec<String>>,
    /// Tools for this routine on this project; absent: the routine's own tools.
    pub tool_overrides: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

impl Validate for CreateRoutineMappingRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.routine_id.len() > 64
            || shared_schemas::ids::validate_slug(&self.routine_id).is_err()
        {
            errors.push(validate::err(
                "routineId",
                "must be a routine id: 1 to 64 letters, digits, `_` or `-`",
            ));
        }
        check_ids("columnIds", self.column_ids.as_ref(), 64, &mut errors);
        check_ids(
            "toolOverrides",
            self.tool_overrides.as_ref(),
            MAX_TOOL,
            &mut errors,
        );
        finish(errors)
    }
}

/// An empty list means "no override", stored as null like the reference does.
fn non_empty(list: Option<Vec<String>>) -> Option<Vec<String>> {
    list.filter(|l| !l.is_empty())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MappingList {
    pub mappings: Vec<Mapping>,
    pub project_columns: Vec<ColumnRef>,
}

/// The agent's mappings on this project, with the project's columns to choose from.
#[utoipa::path(get, path = "/v1/projects/{project_id}/agents/{agent_id}/routines",
    tag = "project-agents", params(("project_id" = String, Path), ("agent_id" = String, Path)),
    responses((status = 200, body = MappingList), (status = 404)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, agent_id)): Path<(String, String)>,
) -> Result<Json<MappingList>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    agents::require(&mut tx, &project_id, &agent_id).await?;
    let mappings = agents::mappings(&mut tx, &project_id, &agent_id).await?;
    let project_columns = agents::columns(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(MappingList {
        mappings,
        project_columns,
    }))
}

/// Maps a routine; 409 `routine_already_mapped` when it already is, 422 for foreign columns.
#[utoipa::path(post, path = "/v1/projects/{project_id}/agents/{agent_id}/routines",
    tag = "project-agents", params(("project_id" = String, Path), ("agent_id" = String, Path)),
    request_body = CreateRoutineMappingRequest,
    responses((status = 201, body = Mapping), (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<CreateRoutineMappingRequest>,
) -> Result<(StatusCode, Json<Mapping>), ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    agents::require(&mut tx, &project_id, &agent_id).await?;
    let new = NewMapping {
        routine_id: body.routine_id,
        column_ids: non_empty(body.column_ids),
        tool_overrides: non_empty(body.tool_overrides),
        enabled: body.enabled.unwrap_or(true),
    };
    if let Some(ids) = &new.column_ids {
        check_columns(ids, &agents::columns(&mut tx, &project_id).await?)?;
    }
    let m = agents::insert_mapping(&mut tx, &project_id, &agent_id, &new, store::now_ms()).await?;
    let events = vec![mapped(&m)?];
    commit_with(tx, events).await?;
    Ok(created(m))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateRoutineMappingRequest {
    /// A new list; `[]` goes back to the routine's own columns; absent keeps the current one.
    pub column_ids: Option<Vec<String>>,
    /// A new list; `[]` goes back to the routine's own tools; absent keeps the current one.
    pub tool_overrides: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

impl Validate for UpdateRoutineMappingRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_ids("columnIds", self.column_ids.as_ref(), 64, &mut errors);
        check_ids(
            "toolOverrides",
            self.tool_overrides.as_ref(),
            MAX_TOOL,
            &mut errors,
        );
        finish(errors)
    }
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
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id, mapping_id)): Path<(String, String, String)>,
    ValidJson(body): ValidJson<UpdateRoutineMappingRequest>,
) -> Result<Json<Mapping>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    agents::require(&mut tx, &project_id, &agent_id).await?;
    if let Some(ids) = &body.column_ids {
        check_columns(ids, &agents::columns(&mut tx, &project_id).await?)?;
    }
    let patch = MappingPatch {
        column_ids: body.column_ids.map(|l| non_empty(Some(l))),
        tool_overrides: body.tool_overrides.map(|l| non_empty(Some(l))),
        enabled: body.enabled,
    };
    let now = store::now_ms();
    let m =
        agents::update_mapping(&mut tx, &project_id, &agent_id, &mapping_id, &patch, now).await?;
    let events = vec![mapped(&m)?];
    commit_with(tx, events).await?;
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
    UserOnly(ctx): UserOnly,
    Path((project_id, agent_id, mapping_id)): Path<(String, String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    agents::require(&mut tx, &project_id, &agent_id).await?;
    agents::delete_mapping(&mut tx, &project_id, &agent_id, &mapping_id).await?;
    tx.commit().await?;
    Ok(Json(
        serde_json::json!({ "status": "deleted", "id": mapping_id }),
    ))
}

/// One enabled routine as it runs on this project.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedRoutine {
    pub routine_id: String,
    pub mapping_id: String,
    /// Column names; `null`: the routine's own columns.
    pub effective_columns: Option<Vec<String>>,
    /// The task statuses of those columns; `null` with `effectiveColumns`.
    pub effective_statuses: Option<Vec<String>>,
    /// `null`: the routine's own tools.
    pub effective_tools: Option<Vec<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Resolved {
    pub resolved: Vec<ResolvedRoutine>,
}

/// The project's overrides of the agent's enabled routines, columns turned into names and
/// statuses (columns deleted since the mapping was made are left out).
#[utoipa::path(get, path = "/v1/projects/{project_id}/agents/{agent_id}/routines/resolve",
    tag = "project-agents", params(("project_id" = String, Path), ("agent_id" = String, Path)),
    responses((status = 200, body = Resolved), (status = 404)))]
async fn resolve(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, agent_id)): Path<(String, String)>,
) -> Result<Json<Resolved>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    agents::require(&mut tx, &project_id, &agent_id).await?;
    let mappings = agents::mappings(&mut tx, &project_id, &agent_id).await?;
    let columns = agents::columns(&mut tx, &project_id).await?;
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
    Ok(Json(Resolved { resolved }))
}
