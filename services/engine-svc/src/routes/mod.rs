//! Routes: handlers of about 15 lines (extract, call one flow, map), one file per resource, each
//! declaring its routes and their OpenAPI in one `OpenApiRouter`.
//!
//! Here: `/v1/runs`, `/v1/steps`, `/v1/pipelines`, `/v1/sessions`, `/v1/workspaces`, `/v1/resolve`, `/v1/internal`, `/v1/status`.

pub mod internal;
pub mod pipelines;
pub mod run_state;
pub mod runs;
pub mod session_stop;
pub mod sessions;
pub mod status;
pub mod steps;
pub mod workspaces;
pub mod workspaces_git;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the service with its OpenAPI, declared once.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(pipelines::routes())
        .merge(runs::routes())
        .merge(run_state::routes())
        .merge(steps::routes())
        .merge(internal::routes())
        .merge(status::routes())
        .merge(sessions::routes())
        .merge(session_stop::routes())
        // The git routes before the files' catch-all (axum prefers static segments anyway).
        .merge(workspaces_git::routes())
        .merge(workspaces::routes())
}
