//! Routes: handlers of about 15 lines (extract, call one flow, map), one file per resource, each
//! declaring its routes and their OpenAPI in one `OpenApiRouter`.
//!
//! A note's path and a graph node's id may hold slashes, so those routes end in an axum
//! catch-all (`{*filename}`) while the OpenAPI document names the parameter plainly
//! (`kit::openapi::wildcard`). Static segments win over parameters in axum's router.

pub mod agent_memory;
pub mod graph;
pub mod scores;
pub mod search;
pub mod vaults;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the service with its OpenAPI, declared once.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(vaults::routes())
        .merge(agent_memory::routes())
        .merge(search::routes())
        .merge(graph::routes())
        .merge(scores::routes())
}
