//! `/v1/agents/templates` and `/v1/agents/{id}/clone` (spec §4.1): the global template catalog
//! and new agents made from a template — or from one of the tenant's own agents. Types in
//! `api::templates`, use cases in `flows::templates`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::agents::AgentDetail;
use crate::api::templates::{CloneAgent, TemplateOut};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(clone))
}

/// The catalog every tenant can clone from.
#[utoipa::path(get, path = "/v1/agents/templates", tag = "agents",
    responses((status = 200, body = [TemplateOut])))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Vec<TemplateOut>>, ApiError> {
    Ok(Json(flows::templates::list(&platform, &ctx).await?))
}

/// A new agent of the tenant from a catalog template (`researcher`) or from one of the
/// tenant's agents (`agt_…`): persona files and config are copied, nothing else.
#[utoipa::path(post, path = "/v1/agents/{source_id}/clone", tag = "agents",
    request_body = CloneAgent,
    responses((status = 201, body = AgentDetail), (status = 404), (status = 409)))]
async fn clone(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(source_id): Path<String>,
    body: Option<ValidJson<CloneAgent>>,
) -> Result<(StatusCode, Json<AgentDetail>), ApiError> {
    let body = body.map(|ValidJson(b)| b).unwrap_or_default();
    let agent = flows::templates::clone(&platform, &ctx, &source_id, body).await?;
    Ok((StatusCode::CREATED, Json(agent)))
}
