//! Routes: handlers of about 15 lines (extract, call one flow, map), one file per resource, each
//! declaring its routes and their OpenAPI in one `OpenApiRouter`.
//!
//! Here: `/v1/memory`, `/v1/ingest`, `/v1/agents/{agent_id}/memory*`, `/v1/internal/memory-*`.

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the service with its OpenAPI, declared once.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
