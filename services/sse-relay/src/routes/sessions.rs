//! Session streams: the session lists of the tenant and of one agent, one session's events
//! (the dashboard's chat stream, the engine's session stream and the spec's chat alias).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kit::auth::stream::StreamTenantContext;
use kit::extract::ValidQuery;
use kit::{ApiError, TokenKind};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::cursor;
use crate::AppState;
use crate::api::SinceQuery;
use crate::domain::cursor::Cursor;
use crate::domain::frame::Frame;
use crate::domain::shape::{Addition, CHAT_SESSIONS, SESSIONS, Select, Shape};
use crate::flows::relay::Plan;
use crate::flows::{access, relay};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(chat_sessions))
        .routes(routes!(sessions))
        .routes(routes!(agent_sessions))
        .routes(routes!(session_events))
        .routes(routes!(session_stream))
        .routes(routes!(chat_stream))
}

/// Chat session changes of the tenant (`{type: created | status_changed | deleted, …}`).
#[utoipa::path(get, path = "/v1/events/chat-sessions", tag = "sessions", params(SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403), (status = 429)))]
async fn chat_sessions(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    access::tenant_wide(&ctx)?;
    list(&app, &ctx, &headers, &q, Select::Renamed(CHAT_SESSIONS)).await
}

/// Agent session changes of the tenant (`{type: created | status | completed | failed, …}`).
#[utoipa::path(get, path = "/v1/events/sessions", tag = "sessions", params(SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 403), (status = 429)))]
async fn sessions(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    access::tenant_wide(&ctx)?;
    list(&app, &ctx, &headers, &q, Select::Renamed(SESSIONS)).await
}

/// One agent's session changes.
#[utoipa::path(get, path = "/v1/events/sessions/{agent_id}", tag = "sessions",
    params(("agent_id" = String, Path), SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404), (status = 429)))]
async fn agent_sessions(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path(agent_id): Path<String>,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let agent = access::agent(&app, &ctx, &agent_id).await?;
    list(
        &app,
        &ctx,
        &headers,
        &q,
        Select::RenamedForAgent(SESSIONS, agent),
    )
    .await
}

async fn list(
    app: &AppState,
    ctx: &StreamTenantContext,
    headers: &HeaderMap,
    q: &SinceQuery,
    select: Select,
) -> Result<Response, ApiError> {
    let cursor = cursor(headers, q.since.as_deref(), Cursor::Live)?;
    let key = app.platform.keys.tenant_events(&ctx.tenant_id);
    let plan = Plan::new(key, Shape::new(None, select, Addition::None), cursor);
    relay::open(app, ctx, plan, Vec::new()).await
}

/// One session's events from `since` (default `0-0`), each with its `stream_id`, then
/// `{type: connected, session_id}`, then live events.
#[utoipa::path(get, path = "/v1/events/sessions/{session_id}/events", tag = "sessions",
    params(("session_id" = String, Path), SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404), (status = 429)))]
async fn session_events(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path(session_id): Path<String>,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let key = access::session(&app, &ctx, &session_id).await?;
    users_only(&ctx)?;
    chat(&app, &ctx, &headers, &q, key, &session_id).await
}

/// One session's events, live unless resumed (the engine's session stream).
#[utoipa::path(get, path = "/v1/sessions/{session_id}/stream", tag = "sessions",
    params(("session_id" = String, Path), SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404), (status = 429)))]
async fn session_stream(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path(session_id): Path<String>,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let key = access::session(&app, &ctx, &session_id).await?;
    users_only(&ctx)?;
    let cursor = cursor(&headers, q.since.as_deref(), Cursor::Live)?;
    let plan = Plan::new(key, Shape::new(None, Select::All, Addition::None), cursor);
    relay::open(&app, &ctx, plan, Vec::new()).await
}

/// The spec's chat stream: one of the agent's chat sessions, framed like
/// `/v1/events/sessions/{session_id}/events`.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/chat/{session_id}/stream", tag = "sessions",
    params(("agent_id" = String, Path), ("session_id" = String, Path), SinceQuery),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404), (status = 429)))]
async fn chat_stream(
    State(app): State<AppState>,
    ctx: StreamTenantContext,
    headers: HeaderMap,
    Path((agent_id, session_id)): Path<(String, String)>,
    ValidQuery(q): ValidQuery<SinceQuery>,
) -> Result<Response, ApiError> {
    let agent = access::agent(&app, &ctx, &agent_id).await?;
    let key = access::agent_chat(&app, &ctx, &agent, &session_id).await?;
    chat(&app, &ctx, &headers, &q, key, &session_id).await
}

async fn chat(
    app: &AppState,
    ctx: &StreamTenantContext,
    headers: &HeaderMap,
    q: &SinceQuery,
    key: String,
    session_id: &str,
) -> Result<Response, ApiError> {
    let cursor = cursor(headers, q.since.as_deref(), Cursor::Start)?;
    let mut plan = Plan::new(
        key,
        Shape::new(None, Select::All, Addition::StreamId),
        cursor,
    );
    let connected = json!({"type": "connected", "session_id": session_id});
    plan.connected.push(Frame::data(connected.to_string()));
    relay::open(app, ctx, plan, Vec::new()).await
}

/// A session path names no agent, so an agent credential is refused there (it watches its
/// chats through `/v1/agents/{agent_id}/chat/{session_id}/stream`).
fn users_only(ctx: &StreamTenantContext) -> Result<(), ApiError> {
    match ctx.kind() {
        TokenKind::Agent => access::tenant_wide(ctx),
        TokenKind::User | TokenKind::Service => Ok(()),
    }
}
