//! Routes: handlers of about 15 lines (extract, call one flow, map), one file per resource, each
//! declaring its routes and their OpenAPI in one `OpenApiRouter`.
//!
//! Here: `/v1/runs`, `/v1/steps`, `/v1/pipelines`, `/v1/sessions`, `/v1/workspaces`, `/v1/resolve`, `/v1/internal`, `/v1/status`.

pub mod pipelines;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the service with its OpenAPI, declared once.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(pipelines::routes())
}
