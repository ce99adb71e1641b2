//! `/v1/pulses/`: an agent's pulse schedule (kept in its config), one-off pulses, the tenant's
//! pulse timeline with conflicts, and auto-spreading offsets (contract §1.3 pulses, §7).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::Utc;
use kit::auth::scope::UserOnly;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::pulses::{
    OneOffChanged, OneOffRequest, PulseSchedule, PulseTimeline, ScheduleResponse, ScheduleUpdated,
    SpreadResponse,
};
use crate::domain::agent_config::{AgentRuntimeConfig, Blackout};
use crate::domain::pulse_config::{self, SCHEDULE_NAMES, ScheduleView};
use crate::domain::validate::field_error;
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(timeline))
        .routes(routes!(spread))
        .routes(routes!(get_schedule, put_schedule))
        .routes(routes!(add_one_off))
        .routes(routes!(remove_one_off))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PulseScheduleUpdate {
    pub enabled: Option<bool>,
    pub interval_minutes: Option<u32>,
    pub offset_minutes: Option<u32>,
    pub blackouts: Option<Vec<Blackout>>,
}

impl Validate for PulseScheduleUpdate {}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// How far ahead, 1 to 168 hours (default 24).
    pub hours: Option<i64>,
}

/// Every pulse of the tenant's agents and routines in the next `hours`, and the moments where
/// two or more agents pulse within two minutes of each other.
#[utoipa::path(get, path = "/v1/pulses/timeline", tag = "pulses", params(TimelineQuery),
    responses((status = 200, body = PulseTimeline), (status = 422)))]
async fn timeline(
    State(platform): State<Platform>,
    ctx: TenantContext,
    query: Result<Query<TimelineQuery>, QueryRejection>,
) -> Result<Json<PulseTimeline>, ApiError> {
    if ctx.kind() == TokenKind::Agent {
        return Err(ApiError::forbidden(
            "the tenant's timeline is not for agents",
        ));
    }
    let hours = match query {
        Ok(Query(q)) => q.hours.unwrap_or(24),
        Err(e) => return Err(field_error("hours", e.body_text())),
    };
    if !(1..=168).contains(&hours) {
        return Err(field_error("hours", "must be between 1 and 168"));
    }
    Ok(Json(
        flows::pulse_schedules::timeline(&platform, &ctx, hours).await?,
    ))
}

/// Assigns offsets so the tenant's pulse-enabled agents (oldest first) pulse evenly spread over
/// their interval: agent `i` of `n` gets `i × interval / n` minutes.
#[utoipa::path(post, path = "/v1/pulses/auto-spread", tag = "pulses",
    responses((status = 200, body = SpreadResponse)))]
async fn spread(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
) -> Result<Json<SpreadResponse>, ApiError> {
    Ok(Json(flows::pulse_schedules::spread(&platform, &ctx).await?))
}

/// The agent's schedule settings and its next pulses (its own and its routines').
#[utoipa::path(get, path = "/v1/pulses/agents/{agent_id}/schedule", tag = "pulses",
    responses((status = 200, body = ScheduleResponse), (status = 404)))]
async fn get_schedule(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<ScheduleResponse>, ApiError> {
    Ok(Json(
        flows::pulse_schedules::schedule(&platform, &ctx, &agent_id).await?,
    ))
}

/// Changes the keys the body names; the result must be valid as a whole (offset below the
/// interval, `HH:MM` blackouts).
#[utoipa::path(put, path = "/v1/pulses/agents/{agent_id}/schedule", tag = "pulses",
    request_body = PulseScheduleUpdate,
    responses((status = 200, body = ScheduleUpdated), (status = 404), (status = 422)))]
async fn put_schedule(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<PulseScheduleUpdate>,
) -> Result<Json<ScheduleUpdated>, ApiError> {
    let patch = AgentRuntimeConfig {
        pulse_enabled: body.enabled,
        pulse_interval_minutes: body.interval_minutes,
        pulse_offset_minutes: body.offset_minutes,
        pulse_blackouts: body.blackouts,
        ..AgentRuntimeConfig::default()
    };
    let config = flows::pulse_schedules::change_config(&platform, &ctx, &agent_id, |c| {
        pulse_config::apply(c, &patch, &SCHEDULE_NAMES).map_err(ApiError::validation)
    })
    .await?;
    Ok(Json(ScheduleUpdated {
        status: "updated",
        schedule: PulseSchedule::from(&ScheduleView::from(&config)),
    }))
}

/// One extra pulse at `time` (RFC 3339, in the future, at most a year ahead). One-offs fire
/// even inside a blackout.
#[utoipa::path(post, path = "/v1/pulses/agents/{agent_id}/schedule/one-off", tag = "pulses",
    request_body = OneOffRequest,
    responses((status = 200, body = OneOffChanged), (status = 404), (status = 422)))]
async fn add_one_off(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<OneOffRequest>,
) -> Result<Json<OneOffChanged>, ApiError> {
    let mut stored = String::new();
    flows::pulse_schedules::change_config(&platform, &ctx, &agent_id, |c| {
        let mut c = c.clone();
        stored = pulse_config::add_one_off(&mut c, &body.time, Utc::now())
            .map_err(|e| ApiError::validation(vec![e]))?;
        Ok(c)
    })
    .await?;
    Ok(Json(OneOffChanged {
        status: "added",
        time: stored,
    }))
}

/// Removes the one-off at that instant (any RFC 3339 spelling; URL-encode the `+`).
#[utoipa::path(delete, path = "/v1/pulses/agents/{agent_id}/schedule/one-off/{timestamp}",
    tag = "pulses",
    responses((status = 200, body = OneOffChanged), (status = 404), (status = 422)))]
async fn remove_one_off(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((agent_id, timestamp)): Path<(String, String)>,
) -> Result<Json<OneOffChanged>, ApiError> {
    flows::pulse_schedules::change_config(&platform, &ctx, &agent_id, |c| {
        let mut c = c.clone();
        match pulse_config::remove_one_off(&mut c, &timestamp) {
            Ok(true) => Ok(c),
            Ok(false) => Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "one_off_not_found",
                "the agent has no one-off pulse at that time",
            )),
            Err(e) => Err(ApiError::validation(vec![e])),
        }
    })
    .await?;
    Ok(Json(OneOffChanged {
        status: "removed",
        time: timestamp,
    }))
}
