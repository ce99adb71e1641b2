//! `POST /v1/sessions/{session_id}/stop` (CONTRACTS §1.5): stops a running step session.

use axum::Json;
use axum::extract::{Path, State};
use kit::{ApiError, TenantContext};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::flows::runs::session_stop;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stop))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionStopped {
    pub session_id: String,
    /// The session's status now (`cancelled`).
    pub status: String,
    pub message: String,
}

/// Stops a running pipeline-step session: its run is cancelled as `POST /v1/runs/{id}/cancel`
/// cancels it; 409 `session_not_running` when the session has ended.
#[utoipa::path(post, path = "/v1/sessions/{session_id}/stop", tag = "sessions",
    params(("session_id" = String, Path)),
    responses((status = 200, body = SessionStopped), (status = 404), (status = 409)))]
async fn stop(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
) -> Result<Json<SessionStopped>, ApiError> {
    let session = session_stop::stop(&app, &ctx.tenant_id, &session_id).await?;
    Ok(Json(SessionStopped {
        message: format!(
            "session stopped; run {} cancelled",
            session.source_id.unwrap_or_default()
        ),
        session_id: session.id,
        status: session.status,
    }))
}
