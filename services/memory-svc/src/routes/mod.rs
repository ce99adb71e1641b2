//! Routes: handlers of about 15 lines (extract, call one flow, map), one file per resource, each
//! declaring its routes and their OpenAPI in one `OpenApiRouter`.
//!
//! A note's path and a graph node's id may hold slashes, so those routes end in an axum
//! catch-all (`{*filename}`) while the OpenAPI document names the parameter plainly
//! ([`wildcard`]). Static segments win over parameters in axum's router.

pub mod agent_memory;
pub mod graph;
pub mod scores;
pub mod search;
pub mod vaults;

use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

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

/// Registers `route` with its last path parameter as a catch-all for axum, documented as it is.
pub fn wildcard(
    router: OpenApiRouter<AppState>,
    (schemas, paths, method): UtoipaMethodRouter<AppState>,
) -> OpenApiRouter<AppState> {
    let mut router = router;
    for path in paths.paths.keys() {
        if let Some(at) = path.rfind("/{") {
            let axum_path = format!("{}/{{*{}", &path[..at], &path[at + 2..]);
            router = router.route(&axum_path, method.clone());
        }
    }
    let mut doc = utoipa::openapi::OpenApi::default();
    doc.paths = paths;
    let mut components = utoipa::openapi::Components::new();
    components.schemas.extend(schemas);
    doc.components = Some(components);
    router.merge(OpenApiRouter::with_openapi(doc))
}
