//! `/v1/agents/{agent_id}/tools`: built-in tools switched off (or explicitly on) per agent. A tool
//! without an override is enabled. The runtime reads `/tools/disabled` with its agent token at
//! start and again when `tools:overrides-changed` fires; only users and services change them.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::validate::{err, finish};
use crate::flows;
use crate::flows::access::open_agent;
use crate::store::{self, tools::Override};

/// More than any agent has tools; bounds the work of one request.
const MAX_OVERRIDES: usize = 500;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, upsert))
        .routes(routes!(remove))
        .routes(routes!(disabled))
}

/// The reference's `ToolOverrideResponse` (snake_case, as it was).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ToolOverride {
    pub agent_id: String,
    pub tool_name: String,
    pub enabled: bool,
    pub updated_at: i64,
    pub updated_by: String,
}

impl ToolOverride {
    fn new(agent_id: &str, o: Override) -> Self {
        Self {
            agent_id: agent_id.to_owned(),
            tool_name: o.tool_name,
            enabled: o.enabled,
            updated_at: o.updated_at,
            updated_by: o.updated_by,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolOverrideItem {
    pub tool_name: String,
    pub enabled: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkToolOverrides {
    pub overrides: Vec<ToolOverrideItem>,
    /// Who made the change, for the record; the caller's subject when absent.
    pub updated_by: Option<String>,
}

/// Tool names as LLM tool schemas allow them, plus `.` and `:` for namespaced MCP tools.
fn is_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

impl Validate for BulkToolOverrides {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors: Vec<FieldError> = Vec::new();
        if self.overrides.len() > MAX_OVERRIDES {
            errors.push(err(
                "overrides",
                format!("at most {MAX_OVERRIDES} per request"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, item) in self.overrides.iter().enumerate() {
            let path = format!("overrides[{i}].tool_name");
            if !is_tool_name(&item.tool_name) {
                errors.push(err(
                    &path,
                    "must be 1 to 256 letters, digits, `_`, `-`, `.` or `:`",
                ));
            } else if !seen.insert(item.tool_name.as_str()) {
                errors.push(err(&path, "is listed twice"));
            }
        }
        if let Some(by) = &self.updated_by
            && (by.trim().is_empty() || by.len() > 128)
        {
            errors.push(err("updated_by", "must be 1 to 128 bytes"));
        }
        finish(errors)
    }
}

/// The overrides that exist; a tool absent here is enabled.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/tools/overrides", tag = "agent-tools",
    responses((status = 200, body = [ToolOverride]), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<ToolOverride>>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let rows = store::tools::list(&mut tx, &agent_id).await?;
    tx.commit().await?;
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
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let names = store::tools::disabled(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(Json(names))
}
