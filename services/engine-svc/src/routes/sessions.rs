//! Activity sessions: `/v1/sessions`, `/v1/sessions/{id}` and `/v1/agents/{agent_id}/sessions`
//! (HAProxy sends that one path of `/v1/agents/` here), and the writes of the executors that
//! run them (`/v1/internal/sessions…`, services and agents only).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use kit::auth::TokenKind;
use kit::error::FieldError;
use kit::extract::{ValidJson, ValidQuery, Validate};
use kit::validate::err;
use kit::{ApiError, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::flows::steps::sessions as flow;
use crate::store::sessions::{SessionEventRow, SessionRow};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(of_agent))
        .routes(routes!(create))
        .routes(routes!(set_status))
        .routes(routes!(add_event))
        .routes(routes!(complete))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    /// Comma-separated agent ids.
    pub agent_ids: Option<String>,
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Validate for SessionsQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self.limit.is_some_and(|l| !(1..=200).contains(&l)) {
            e.push(err("limit", "must be between 1 and 200"));
        }
        if self.offset.is_some_and(|o| o < 0) {
            e.push(err("offset", "must not be negative"));
        }
        kit::validate::finish(e)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionRow>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub session: SessionRow,
    pub events: Vec<SessionEventRow>,
}

fn page(q: &SessionsQuery) -> (i64, i64) {
    (q.limit.unwrap_or(50), q.offset.unwrap_or(0))
}

fn total_header(total: i64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&total.to_string()) {
        headers.insert("x-total-count", value);
    }
    headers
}

/// The tenant's activity sessions, newest first.
#[utoipa::path(get, path = "/v1/sessions", tag = "sessions", params(SessionsQuery),
    responses((status = 200, body = SessionList), (status = 422)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<SessionsQuery>,
) -> Result<(HeaderMap, Json<SessionList>), ApiError> {
    let agents: Vec<String> = q
        .agent_ids
        .as_deref()
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let (limit, offset) = page(&q);
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let (sessions, total) =
        flow::list(&app, &ctx.tenant_id, &agents, status, limit, offset).await?;
    Ok((total_header(total), Json(SessionList { sessions, total })))
}

/// A session with its events.
#[utoipa::path(get, path = "/v1/sessions/{session_id}", tag = "sessions",
    params(("session_id" = String, Path)),
    responses((status = 200, body = SessionDetail), (status = 404)))]
async fn get_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
) -> Result<Json<SessionDetail>, ApiError> {
    let (session, events) = flow::get(&app, &ctx.tenant_id, &session_id).await?;
    Ok(Json(SessionDetail { session, events }))
}

/// One agent's sessions (by id or slug), newest first.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/sessions", tag = "sessions",
    params(("agent_id" = String, Path), SessionsQuery),
    responses((status = 200, body = SessionList), (status = 404), (status = 422)))]
async fn of_agent(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidQuery(q): ValidQuery<SessionsQuery>,
) -> Result<(HeaderMap, Json<SessionList>), ApiError> {
    let (limit, offset) = page(&q);
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let (sessions, total) =
        flow::of_agent(&app, &ctx.tenant_id, &agent_id, status, limit, offset).await?;
    Ok((total_header(total), Json(SessionList { sessions, total })))
}

const STATUSES: [&str; 5] = ["starting", "running", "completed", "failed", "cancelled"];

fn text(path: &str, v: Option<&str>, max: usize, e: &mut Vec<FieldError>) {
    if v.is_some_and(|s| s.len() > max) {
        e.push(err(path, format!("must be at most {max} bytes")));
    }
}

/// Only services and agents record sessions.
fn executor(ctx: &TenantContext) -> Result<(), ApiError> {
    match ctx.kind() {
        TokenKind::Service | TokenKind::Agent => Ok(()),
        TokenKind::User => Err(ApiError::forbidden("for services and agents only")),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    pub id: String,
    pub agent_id: String,
    pub source: String,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    /// `starting` (default) or `running`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub user_prompt: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
}

impl Validate for CreateSessionRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self.id.is_empty() || self.id.len() > 160 {
            e.push(err("id", "must hold 1 to 160 bytes"));
        }
        if shared_schemas::ids::AgentId::parse(self.agent_id.clone()).is_err() {
            e.push(err("agent_id", "must be an agent id"));
        }
        if self.source.is_empty() || self.source.len() > 32 {
            e.push(err("source", "must hold 1 to 32 bytes"));
        }
        if self
            .status
            .as_deref()
            .is_some_and(|s| !["starting", "running"].contains(&s))
        {
            e.push(err("status", "must be starting or running"));
        }
        text("source_id", self.source_id.as_deref(), 160, &mut e);
        text("user_id", self.user_id.as_deref(), 64, &mut e);
        text("user_prompt", self.user_prompt.as_deref(), 200_000, &mut e);
        text("model", self.model.as_deref(), 256, &mut e);
        kit::validate::finish(e)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionStatusRequest {
    pub status: String,
}

impl Validate for SessionStatusRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        if !["starting", "running"].contains(&self.status.as_str()) {
            return Err(vec![err(
                "status",
                "must be starting or running (complete ends a session)",
            )]);
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionEventRequest {
    pub event_type: String,
    #[serde(default)]
    pub timestamp: Option<i64>,
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}

impl Validate for SessionEventRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self.event_type.is_empty() || self.event_type.len() > 64 {
            e.push(err("event_type", "must hold 1 to 64 bytes"));
        }
        if self
            .data
            .as_ref()
            .is_some_and(|d| d.to_string().len() > 200_000)
        {
            e.push(err("data", "is too large"));
        }
        kit::validate::finish(e)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionEventAdded {
    pub id: i64,
    pub session_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteSessionRequest {
    /// `completed` (default), `failed` or `cancelled`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub output: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub turn_count: Option<i32>,
}

impl Validate for CompleteSessionRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if self
            .status
            .as_deref()
            .is_some_and(|s| !STATUSES[2..].contains(&s))
        {
            e.push(err("status", "must be completed, failed or cancelled"));
        }
        text("output", self.output.as_deref(), 200_000, &mut e);
        text("error", self.error.as_deref(), 200_000, &mut e);
        if self.turn_count.is_some_and(|t| t < 0) {
            e.push(err("turn_count", "must not be negative"));
        }
        kit::validate::finish(e)
    }
}

/// Records a session an executor started (409 `session_exists`).
#[utoipa::path(post, path = "/v1/internal/sessions", tag = "sessions",
    request_body = CreateSessionRequest,
    responses((status = 201, body = SessionRow), (status = 403), (status = 409), (status = 422)))]
async fn create(
    State(app): State<AppState>,
    ctx: TenantContext,
    ValidJson(body): ValidJson<CreateSessionRequest>,
) -> Result<(axum::http::StatusCode, Json<SessionRow>), ApiError> {
    executor(&ctx)?;
    let new = crate::store::sessions::NewSession {
        id: &body.id,
        agent_id: &body.agent_id,
        user_id: body.user_id.as_deref(),
        source: &body.source,
        source_id: body.source_id.as_deref(),
        status: body.status.as_deref().unwrap_or("starting"),
        user_prompt: body.user_prompt.as_deref(),
        model: body.model.as_deref(),
    };
    let row = flow::create(&app, &ctx.tenant_id, &new).await?;
    Ok((axum::http::StatusCode::CREATED, Json(row)))
}

/// A session that has not ended moves to `starting` or `running` (409 `session_ended`).
#[utoipa::path(patch, path = "/v1/internal/sessions/{session_id}/status", tag = "sessions",
    params(("session_id" = String, Path)), request_body = SessionStatusRequest,
    responses((status = 200, body = SessionRow), (status = 403), (status = 404), (status = 409)))]
async fn set_status(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<SessionStatusRequest>,
) -> Result<Json<SessionRow>, ApiError> {
    executor(&ctx)?;
    Ok(Json(
        flow::set_status(&app, &ctx.tenant_id, &session_id, &body.status).await?,
    ))
}

#[utoipa::path(post, path = "/v1/internal/sessions/{session_id}/events", tag = "sessions",
    params(("session_id" = String, Path)), request_body = SessionEventRequest,
    responses((status = 201, body = SessionEventAdded), (status = 403), (status = 404)))]
async fn add_event(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<SessionEventRequest>,
) -> Result<(axum::http::StatusCode, Json<SessionEventAdded>), ApiError> {
    executor(&ctx)?;
    let data = body.data.clone().unwrap_or_else(|| serde_json::json!({}));
    let id = flow::add_event(
        &app,
        &ctx.tenant_id,
        &session_id,
        &body.event_type,
        body.timestamp,
        &data,
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(SessionEventAdded { id, session_id }),
    ))
}

/// Records how the session ended (409 `session_ended` when it had).
#[utoipa::path(patch, path = "/v1/internal/sessions/{session_id}/complete", tag = "sessions",
    params(("session_id" = String, Path)), request_body = CompleteSessionRequest,
    responses((status = 200, body = SessionRow), (status = 403), (status = 404), (status = 409)))]
async fn complete(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(session_id): Path<String>,
    ValidJson(body): ValidJson<CompleteSessionRequest>,
) -> Result<Json<SessionRow>, ApiError> {
    executor(&ctx)?;
    let done = flow::Completion {
        status: body.status.as_deref().unwrap_or("completed"),
        output: body.output.as_deref(),
        error: body.error.as_deref(),
        turn_count: body.turn_count,
    };
    Ok(Json(
        flow::complete(&app, &ctx.tenant_id, &session_id, &done).await?,
    ))
}
