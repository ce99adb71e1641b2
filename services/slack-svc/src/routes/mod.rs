//! Routes: handlers of about 15 lines (extract, call one flow, map), one file per resource, each
//! declaring its routes and their OpenAPI in one `OpenApiRouter`.
//!
//! Here: `/v1/slack`.

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the service with its OpenAPI, declared once.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
