//! `/v1/agents/{agent_id}/tools`: built-in tools switched off (or explicitly on) per agent. A tool
//! without an override is enabled. The runtime reads `/tools/disabled` with its agent token at
//! start and again when `tools:overrides-changed` fires; only users and services change them.
//! Types in `api::tools`, use cases in `flows::tools`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::tools::{BulkToolOverrides, ToolOverride};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, upsert))
        .routes(routes!(remove))
        .routes(routes!(disabled))
}

/// The overrides that exist; a tool absent here is enabled.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/tools/overrides", tag = "agent-tools",
    responses((status = 200, body = [ToolOverride]), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<ToolOverride>>, ApiError> {
    let (agent_id, rows) = flows::tools::list(&app.platform, &ctx, &agent_id).await?;
    let view = |o| ToolOverride::new(&agent_id, o);
    Ok(Json(rows.into_iter().map(view).collect()))
}

/// Sets every listed tool's state in one transaction; answers the listed tools' new state.
#[utoipa::path(put, path = "/v1/agents/{agent_id}/tools/overrides", tag = "agent-tools",
    request_body = BulkToolOverrides,
    responses((status = 200, body = [ToolOverride]), (status = 400), (status = 403),
        (status = 404), (status = 422)))]
async fn upsert(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<BulkToolOverrides>,
) -> Result<Json<Vec<ToolOverride>>, ApiError> {
    let changes: Vec<(&str, bool)> = body
        .overrides
        .iter()
        .map(|o| (o.tool_name.as_str(), o.enabled))
        .collect();
    let by = body.updated_by.as_deref();
    let (agent_id, saved) =
        flows::tools::set_overrides(&app.platform, &ctx, &agent_id, &changes, by).await?;
    let view = |o| ToolOverride::new(&agent_id, o);
    Ok(Json(saved.into_iter().map(view).collect()))
}

/// Removes one override (the tool is enabled again); removing a missing one is not an error.
#[utoipa::path(delete, path = "/v1/agents/{agent_id}/tools/overrides/{tool_name}",
    tag = "agent-tools", responses((status = 204), (status = 403), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, tool_name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    flows::tools::remove_override(&app.platform, &ctx, &agent_id, &tool_name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The names of the agent's disabled tools, sorted.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/tools/disabled", tag = "agent-tools",
    responses((status = 200, body = [String]), (status = 404)))]
async fn disabled(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(
        flows::tools::disabled(&app.platform, &ctx, &agent_id).await?,
    ))
}
