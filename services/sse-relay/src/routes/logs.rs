//! Log streams: platform container logs (platform administrators only) and the tenant's MCP
//! server logs. Frames: `event: connected` `{}`, then `event: log` per line.

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
use crate::api::{SinceQuery, TailQuery};
use crate::domain::cursor::Cursor;
use crate::domain::frame::Frame;
use crate::domain::shape::{Addition, Select, Shape};
use crate::flows::relay::Plan;
use crate::flows::{access, backfill, relay};
use crate::store::streams;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(merged))
        .routes(routes!(container))
        .routes(routes!(mcp))
}

fn log_shape() -> Shape {
    Shape::new(Some("log"), Select::All, Addition::None)
}

/// Every platform container's log lines: the last `tail` (default 200), then live.
#[utoipa::path(get, path = "/v1/admin/logs/stream/merged", tag = "logs", params(TailQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403), (status = 429)))]
async fn merged(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    ValidQuery(q): ValidQuery<TailQuery>,
) -> Result<Response, ApiError> {
    access::platform_admin(&ctx)?;
    let key = app.platform.keys.merged_logs();
    logs(&app, &ctx, &headers, key, q.tail).await
}

/// One platform container's log lines: the last `tail` (default 200), then live.
#[utoipa::path(get, path = "/v1/admin/logs/stream/{container_name}", tag = "logs",
    params(("container_name" = String, Path), TailQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403), (status = 404), (status = 429)))]
async fn container(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path(container_name): Path<String>,
    ValidQuery(q): ValidQuery<TailQuery>,
) -> Result<Response, ApiError> {
    access::platform_admin(&ctx)?;
    let key = app.platform.keys.container_logs(&container_name);
    let known = streams::exists(&app.platform.redis, &key)
        .await
        .unwrap_or(false);
    if !known {
        return Err(ApiError::not_found("container not found"));
    }
    logs(&app, &ctx, &headers, key, q.tail).await
}

async fn logs(
    app: &AppState,
    ctx: &StreamTenantContext,
    headers: &HeaderMap,
    key: String,
    tail: Option<usize>,
) -> Result<Response, ApiError> {
    let shape = log_shape();
    let (frames, cursor) = if headers.contains_key("last-event-id") {
        (Vec::new(), cursor(headers, None, Cursor::Live)?)
    } else {
        backfill::tail(app, &key, tail.unwrap_or(200), &shape).await?
    };
    let mut plan = Plan::new(key, shape, cursor);
    plan.first.push(Frame::named("connected", "{}"));
    relay::open(app, ctx, plan, frames).await
}

/// The tenant's MCP server log lines (`{line, level, ts}`), live unless resumed.
#[utoipa::path(get, path = "/v1/mcp/logs/stream", tag = "logs", params(SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403), (status = 429)))]
async fn mcp(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    access::tenant_wide(&ctx)?;
    let cursor = cursor(&headers, q.since.as_deref(), Cursor::Live)?;
    let mut plan = Plan::new(
        app.platform.keys.mcp_logs(&ctx.tenant_id),
        log_shape(),
        cursor,
    );
    plan.first.push(Frame::named("connected", "{}"));
    relay::open(&app, &ctx, plan, Vec::new()).await
}
