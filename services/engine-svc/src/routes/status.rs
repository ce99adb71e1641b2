//! `GET /v1/status`: the engine as the tenant sees it (runs per status, pipelines, its limit).

use axum::Json;
use axum::extract::State;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::runs::EngineStatus;
use crate::flows::runs::read;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status))
}

#[utoipa::path(get, path = "/v1/status", tag = "status",
    responses((status = 200, body = EngineStatus)))]
async fn status(
    State(app): State<AppState>,
    ctx: TenantContext,
) -> Result<Json<EngineStatus>, ApiError> {
    Ok(Json(read::status(&app, &ctx.tenant_id).await?))
}
