//! Activity sessions: `/v1/sessions`, `/v1/sessions/{id}` and `/v1/agents/{agent_id}/sessions`
//! (HAProxy sends that one path of `/v1/agents/` here).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use kit::error::FieldError;
use kit::extract::{ValidQuery, Validate};
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
