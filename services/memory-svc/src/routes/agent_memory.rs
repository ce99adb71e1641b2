//! `/v1/agents/{agent_id}/memory…`: the agent API's view of an agent's vault (HAProxy sends
//! these paths to memory-svc).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::vaults::{AgentFile, FileDeleted, FileInfo, Page};
use crate::flows;
use kit::openapi::wildcard;

pub fn routes() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::new().routes(routes!(list));
    let router = wildcard(router, routes!(read));
    wildcard(router, routes!(delete))
}

/// The agent's notes, as `GET /v1/memory/vaults/{agent_id}` lists them.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/memory", tag = "memory",
    params(("agent_id" = String, Path), Page),
    responses((status = 200, body = Vec<FileInfo>), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(page): Query<Page>,
) -> Result<(HeaderMap, Json<Vec<FileInfo>>), ApiError> {
    let vault = agent(&app, &ctx, &agent_id).await?;
    let (files, total) =
        flows::files::list(&app, &ctx, &vault, page.limit(), page.offset()).await?;
    let headers = page.headers(&format!("/v1/agents/{agent_id}/memory"), total);
    Ok((headers, Json(files)))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/memory/{filename}", tag = "memory",
    params(("agent_id" = String, Path), ("filename" = String, Path, description = "may contain `/`")),
    responses((status = 200, body = AgentFile), (status = 400), (status = 404)))]
async fn read(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, filename)): Path<(String, String)>,
) -> Result<Json<AgentFile>, ApiError> {
    let file =
        flows::files::read(&app, &ctx, &agent(&app, &ctx, &agent_id).await?, &filename).await?;
    Ok(Json(AgentFile {
        filename: file.filename,
        content: file.content,
    }))
}

/// Deletes a note of the agent's vault.
#[utoipa::path(delete, path = "/v1/agents/{agent_id}/memory/{filename}", tag = "memory",
    params(("agent_id" = String, Path), ("filename" = String, Path, description = "may contain `/`")),
    responses((status = 200, body = FileDeleted), (status = 400), (status = 403), (status = 404)))]
async fn delete(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, filename)): Path<(String, String)>,
) -> Result<Json<FileDeleted>, ApiError> {
    let vault = agent(&app, &ctx, &agent_id).await?;
    let (agent_id, filename) = flows::files::delete(&app, &ctx, &vault, &filename).await?;
    Ok(Json(FileDeleted {
        agent_id,
        deleted: true,
        filename,
    }))
}

/// Under `/v1/agents/` a path names an agent (an agent slugged `shared` too), never the shared
/// vault: its id names its vault below.
async fn agent(app: &AppState, ctx: &TenantContext, agent_ref: &str) -> Result<String, ApiError> {
    app.agents.resolve(&ctx.tenant_id, agent_ref).await
}
