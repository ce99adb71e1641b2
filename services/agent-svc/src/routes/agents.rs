//! `/v1/agents/`: agents as tenant rows (spec §2.4, §4.1; contract §1.3, §7). Types in
//! `api::agents`, use cases in `flows::agents`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use kit::auth::scope::UserOnly;
use kit::extract::{ValidJson, ValidQuery};
use kit::page::PageQuery;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::agents::{AgentDetail, AgentSummary, CreateAgent};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, delete))
}

/// The tenant's agents, oldest first.
#[utoipa::path(get, path = "/v1/agents/", tag = "agents", params(PageQuery),
    responses((status = 200, body = [AgentSummary]), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<AgentSummary>>), ApiError> {
    let page = q.page();
    let (agents, total) = flows::agents::list(&platform, &ctx, page).await?;
    Ok((page.headers("/v1/agents/", &[], total), Json(agents)))
}

/// Creates an agent; 409 `slug_taken` when the tenant already has the slug.
#[utoipa::path(post, path = "/v1/agents/", tag = "agents", request_body = CreateAgent,
    responses((status = 201, body = AgentDetail), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    ValidJson(body): ValidJson<CreateAgent>,
) -> Result<(StatusCode, Json<AgentDetail>), ApiError> {
    let agent = flows::agents::create(&platform, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(agent)))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}", tag = "agents",
    responses((status = 200, body = AgentDetail), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<AgentDetail>, ApiError> {
    Ok(Json(flows::agents::get(&platform, &ctx, &agent_id).await?))
}

/// Deletes the agent and everything agent-svc keeps of it; other services hear `AGENT_DELETED`
/// (through the outbox, once the deletion is saved).
#[utoipa::path(delete, path = "/v1/agents/{agent_id}", tag = "agents",
    responses((status = 204), (status = 404)))]
async fn delete(
    State(state): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path(agent_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    flows::agents::delete(&state, &ctx, &agent_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
