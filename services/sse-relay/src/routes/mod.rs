//! Routes: handlers of about 15 lines (extract, call one flow, map), one file per resource, each
//! declaring its routes and their OpenAPI in one `OpenApiRouter`.
//!
//! Here: `/v1/events/...` and every `.../stream` and `.../events` route (they take
//! `?token=` through `kit::auth::stream::StreamTenantContext`: browsers' EventSource cannot send
//! headers).

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the service with its OpenAPI, declared once.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
