//! `/v1/memory/search` and the shared vault's search and store.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::search::{SearchHit, SearchQuery, SharedSearchQuery};
use crate::api::vaults::{SharedStore, SharedStored};
use crate::flows;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(shared_search))
        .routes(routes!(shared_store))
}

/// The best notes for `q` over every vault the caller may read (or the one `agent_id` names),
/// best first: 400 `query_required` for an empty `q`.
#[utoipa::path(get, path = "/v1/memory/search", tag = "memory",
    params(SearchQuery),
    responses((status = 200, body = Vec<SearchHit>), (status = 400), (status = 404)))]
async fn search(
    State(app): State<AppState>,
    ctx: TenantContext,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, ApiError> {
    let limit = q.limit.unwrap_or(20);
    let hits =
        flows::search::search(&app, &ctx, q.q.as_deref(), q.agent_id.as_deref(), limit).await?;
    Ok(Json(hits))
}

/// The best notes for `q` in the tenant's shared vault.
#[utoipa::path(get, path = "/v1/memory/vaults/shared/search", tag = "memory",
    params(SharedSearchQuery),
    responses((status = 200, body = Vec<SearchHit>), (status = 400)))]
async fn shared_search(
    State(app): State<AppState>,
    ctx: TenantContext,
    Query(q): Query<SharedSearchQuery>,
) -> Result<Json<Vec<SearchHit>>, ApiError> {
    let limit = q.limit.unwrap_or(10);
    let hits = flows::search::search(
        &app,
        &ctx,
        q.q.as_deref(),
        Some(flows::vault::SHARED),
        limit,
    )
    .await?;
    Ok(Json(hits))
}

/// Writes a memory into the shared vault as `{category}/{slug}.md` with frontmatter.
#[utoipa::path(post, path = "/v1/memory/vaults/shared/store", tag = "memory",
    request_body = SharedStore,
    responses((status = 201, body = SharedStored), (status = 400), (status = 404),
        (status = 422)))]
async fn shared_store(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidJson(req): ValidJson<SharedStore>,
) -> Result<(StatusCode, Json<SharedStored>), ApiError> {
    let filename = flows::shared::store(&app, &ctx, req).await?;
    Ok((StatusCode::CREATED, Json(SharedStored { filename })))
}
