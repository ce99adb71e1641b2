//! `/v1/events/…`: a run's events, the tenant's events, agent lifecycle, work locks, activity
//! and LLM calls (CONTRACTS §1.6, §6).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kit::ApiError;
use kit::auth::stream::StreamTenantContext;
use kit::extract::ValidQuery;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cursor;
use crate::AppState;
use crate::api::{LimitQuery, SinceQuery};
use crate::domain::cursor::Cursor;
use crate::domain::frame::Frame;
use crate::domain::shape::{Addition, LIFECYCLE, LLM_CALLS, Select, Shape, WORK_LOCKS};
use crate::flows::relay::{Beat, Plan};
use crate::flows::{access, backfill, relay};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(run_stream))
        .routes(routes!(tenant_stream))
        .routes(routes!(lifecycle))
        .routes(routes!(work_locks))
        .routes(routes!(activity))
        .routes(routes!(llm_calls))
}

/// A run's events (`event: message`), from `since` (default `0`: everything retained);
/// `event: heartbeat` `{"run_id","status":"connected"}` when idle.
#[utoipa::path(get, path = "/v1/events/stream/{run_id}", tag = "events",
    params(("run_id" = String, Path), SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404), (status = 429)))]
async fn run_stream(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path(run_id): Path<String>,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let key = access::run(&app, &ctx, &run_id).await?;
    let cursor = cursor(&headers, q.since.as_deref(), Cursor::Start)?;
    let mut plan = Plan::new(
        key,
        Shape::new(Some("message"), Select::All, Addition::None),
        cursor,
    );
    plan.beat = Beat::Named(
        "heartbeat",
        json!({"run_id": run_id, "status": "connected"}).to_string(),
    );
    relay::open(&app, &ctx, plan, Vec::new()).await
}

/// Every event of the tenant (`event: message`), live unless resumed.
#[utoipa::path(get, path = "/v1/events/stream", tag = "events", params(SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403), (status = 429)))]
async fn tenant_stream(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let shape = Shape::new(Some("message"), Select::All, Addition::None);
    tenant_wide(&app, &ctx, &headers, &q, shape).await
}

/// Agent lifecycle events of the tenant (unnamed frames).
#[utoipa::path(get, path = "/v1/events/events", tag = "events", params(SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403), (status = 429)))]
async fn lifecycle(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let shape = Shape::new(None, Select::Types(LIFECYCLE), Addition::None);
    tenant_wide(&app, &ctx, &headers, &q, shape).await
}

/// LLM call records of the tenant (unnamed frames).
#[utoipa::path(get, path = "/v1/events/llm-calls", tag = "events", params(SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403), (status = 429)))]
async fn llm_calls(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let shape = Shape::new(None, Select::Types(LLM_CALLS), Addition::None);
    tenant_wide(&app, &ctx, &headers, &q, shape).await
}

async fn tenant_wide(
    app: &AppState,
    ctx: &StreamTenantContext,
    headers: &HeaderMap,
    q: &SinceQuery,
    shape: Shape,
) -> Result<Response, ApiError> {
    access::tenant_wide(ctx)?;
    let cursor = cursor(headers, q.since.as_deref(), Cursor::Live)?;
    let key = app.platform.keys.tenant_events(&ctx.tenant_id);
    relay::open(app, ctx, Plan::new(key, shape, cursor), Vec::new()).await
}

/// An agent's work locks: `{type: lock_acquired | lock_released, …}` (unnamed frames).
#[utoipa::path(get, path = "/v1/events/work-locks/{agent_id}", tag = "events",
    params(("agent_id" = String, Path), SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404), (status = 429)))]
async fn work_locks(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path(agent_id): Path<String>,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let agent = access::agent(&app, &ctx, &agent_id).await?;
    let cursor = cursor(&headers, q.since.as_deref(), Cursor::Live)?;
    let key = app.platform.keys.tenant_events(&ctx.tenant_id);
    let shape = Shape::new(
        None,
        Select::RenamedForAgent(WORK_LOCKS, agent),
        Addition::None,
    );
    relay::open(&app, &ctx, Plan::new(key, shape, cursor), Vec::new()).await
}

/// An agent's activity: its last `limit` events (`phase: backfill`), `current_state`,
/// `{type: connected, agentId}`, then live events (`phase: live`). With `Last-Event-ID` it
/// resumes instead of backfilling.
#[utoipa::path(get, path = "/v1/events/activity/{agent_id}", tag = "events",
    params(("agent_id" = String, Path), LimitQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404), (status = 429)))]
async fn activity(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path(agent_id): Path<String>,
    ValidQuery(q): ValidQuery<LimitQuery>,
) -> Result<Response, ApiError> {
    let agent = access::agent(&app, &ctx, &agent_id).await?;
    let key = app.platform.keys.tenant_events(&ctx.tenant_id);
    let (frames, cursor) = if headers.contains_key("last-event-id") {
        (Vec::new(), cursor(&headers, None, Cursor::Live)?)
    } else {
        backfill::activity(&app, &key, &agent, q.limit.unwrap_or(50)).await?
    };
    let shape = Shape::new(None, Select::Agent(agent.clone()), Addition::LivePhase);
    let mut plan = Plan::new(key, shape, cursor);
    plan.connected.push(Frame::data(
        json!({"type": "connected", "agentId": agent}).to_string(),
    ));
    relay::open(&app, &ctx, plan, frames).await
}
