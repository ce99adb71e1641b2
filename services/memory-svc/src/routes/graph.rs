//! `/v1/memory/vaults/{agent_id}/graph…`: a vault's link graph (`shared` for the shared vault).

use axum::Json;
use axum::extract::{Path, Query, State};
use kit::{ApiError, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::graph::{GraphDoc, Neighborhood, NeighborsQuery, Rebuilt};
use crate::flows;
use kit::openapi::wildcard;

pub fn routes() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::new()
        .routes(routes!(graph))
        .routes(routes!(shared_graph))
        .routes(routes!(rebuild));
    wildcard(router, routes!(neighbors))
}

/// Notes, tags and unresolved link targets as nodes; wiki-links, frontmatter links and tags as
/// edges.
#[utoipa::path(get, path = "/v1/memory/vaults/{agent_id}/graph", tag = "memory",
    params(("agent_id" = String, Path)),
    responses((status = 200, body = GraphDoc), (status = 404)))]
async fn graph(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<GraphDoc>, ApiError> {
    let (_, graph, _) = flows::graph::graph(&app, &ctx, &agent_id).await?;
    Ok(Json(graph.into()))
}

/// The shared vault's graph.
#[utoipa::path(get, path = "/v1/memory/vaults/shared/graph", tag = "memory",
    responses((status = 200, body = GraphDoc)))]
async fn shared_graph(
    State(app): State<AppState>,
    ctx: TenantContext,
) -> Result<Json<GraphDoc>, ApiError> {
    let (_, graph, _) = flows::graph::graph(&app, &ctx, flows::vault::SHARED).await?;
    Ok(Json(graph.into()))
}

/// The nodes within `max_hops` (1-5) edges of a node, either direction, and the edges among
/// them; 404 `node_not_found`.
#[utoipa::path(get, path = "/v1/memory/vaults/{agent_id}/graph/neighbors/{node_id}", tag = "memory",
    params(("agent_id" = String, Path), ("node_id" = String, Path, description = "may contain `/`"),
        NeighborsQuery),
    responses((status = 200, body = Neighborhood), (status = 404)))]
async fn neighbors(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, node_id)): Path<(String, String)>,
    Query(q): Query<NeighborsQuery>,
) -> Result<Json<Neighborhood>, ApiError> {
    let hops = q.max_hops.unwrap_or(1);
    let graph = flows::graph::neighbors(&app, &ctx, &agent_id, &node_id, hops).await?;
    Ok(Json(graph.into()))
}

/// Re-reads the vault's files into the index and answers the graph's size.
#[utoipa::path(post, path = "/v1/memory/vaults/{agent_id}/graph/rebuild", tag = "memory",
    params(("agent_id" = String, Path)),
    responses((status = 200, body = Rebuilt), (status = 404)))]
async fn rebuild(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Rebuilt>, ApiError> {
    let (_, graph, synced) = flows::graph::graph(&app, &ctx, &agent_id).await?;
    Ok(Json(Rebuilt {
        status: "rebuilt",
        nodes: graph.nodes.len(),
        edges: graph.edges.len(),
        message: format!(
            "{} files, {} re-indexed, {} removed",
            synced.files, synced.indexed, synced.removed
        ),
    }))
}
