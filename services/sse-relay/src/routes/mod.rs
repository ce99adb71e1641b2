//! Routes: handlers of about 15 lines (check access, build the plan, open), one file per group
//! of streams, each declaring its routes and their OpenAPI in one `OpenApiRouter`. Every route
//! takes its caller through `kit::auth::stream::StreamTenantContext` (header, or `?token=` for
//! EventSource clients).

mod events;
mod logs;
mod sessions;
mod swarm;

use axum::http::HeaderMap;
use kit::ApiError;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::domain::cursor::Cursor;

/// Every route of the service with its OpenAPI, declared once.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(events::routes())
        .merge(sessions::routes())
        .merge(logs::routes())
        .merge(swarm::routes())
}

/// The client's resume point: `Last-Event-ID` over `?since=`, else `default`.
fn cursor(headers: &HeaderMap, since: Option<&str>, default: Cursor) -> Result<Cursor, ApiError> {
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    Cursor::resolve(last, since, default).map_err(|bad| {
        ApiError::bad_request(
            "invalid_last_event_id",
            format!(
                "`{}` is not a stream entry id",
                bad.0.chars().take(64).collect::<String>()
            ),
        )
    })
}
