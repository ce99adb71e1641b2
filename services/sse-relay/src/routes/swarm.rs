//! A swarm's progress: `event: state` with its full state first, then unnamed progress events;
//! the stream ends after `swarm:completed` or `swarm:failed`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kit::ApiError;
use kit::auth::stream::StreamTenantContext;
use kit::extract::ValidQuery;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cursor;
use crate::AppState;
use crate::api::SinceQuery;
use crate::domain::cursor::Cursor;
use crate::domain::frame::Frame;
use crate::domain::shape::{Addition, Select, Shape, ends_swarm};
use crate::flows::relay::Plan;
use crate::flows::{access, relay};
use crate::store::streams;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(swarm_stream))
}

/// A swarm's state and progress (HAProxy refuses `/v1/internal/` from outside: services and
/// in-cluster dashboards reach it directly).
#[utoipa::path(get, path = "/v1/internal/swarm/{swarm_id}/stream", tag = "swarm",
    params(("swarm_id" = String, Path), SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404), (status = 429)))]
async fn swarm_stream(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path(swarm_id): Path<String>,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let (state, progress) = access::swarm(&app, &ctx, &swarm_id).await?;
    let cursor = cursor(&headers, q.since.as_deref(), Cursor::Live)?;
    let snapshot = streams::get(&app.platform.redis, &state)
        .await
        .ok()
        .flatten();
    let mut plan = Plan::new(
        progress,
        Shape::new(None, Select::All, Addition::None),
        cursor,
    );
    plan.first.push(Frame::named(
        "state",
        snapshot.unwrap_or_else(|| "{}".to_owned()),
    ));
    plan.ends = Some(ends_swarm);
    relay::open(&app, &ctx, plan, Vec::new()).await
}
