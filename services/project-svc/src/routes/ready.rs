//! `GET /v1/projects/{project_id}/ready-tasks`: tasks an agent may start now, because every
//! task that blocks them is done (contract §1.2 projects/tasks).

use axum::Json;
use axum::extract::{Path, State};
use kit::extract::ValidQuery;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::ready::{ReadyQuery, ReadyResponse};
use crate::flows::ready as flow;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ready))
}

/// Tasks whose every `blocks` predecessor is done (a subtask also waits for its parent's),
/// in a listed status, optionally only the agent's or unassigned ones and of some work types.
#[utoipa::path(get, path = "/v1/projects/{project_id}/ready-tasks", tag = "projects",
    params(("project_id" = String, Path), ReadyQuery),
    responses((status = 200, body = ReadyResponse), (status = 404), (status = 422)))]
async fn ready(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidQuery(query): ValidQuery<ReadyQuery>,
) -> Result<Json<ReadyResponse>, ApiError> {
    let (filter, limit) = query.filter().map_err(ApiError::validation)?;
    Ok(Json(
        flow::ready(&platform, &ctx, &project_id, filter, limit).await?,
    ))
}
