//! `/v1/pulses/`: an agent's pulse schedule (kept in its config), one-off pulses, the tenant's
//! pulse timeline with conflicts, and auto-spreading offsets (contract §1.3 pulses, §7).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use chrono::{Duration, Utc};
use kit::auth::scope::UserOnly;
use kit::db::TenantTx;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::pulses::{
    OneOffChanged, OneOffRequest, PulseSchedule, PulseTimeline, ScheduleResponse, ScheduleUpdated,
    SpreadChange, SpreadResponse, agent_schedules, pulse_list,
};
use crate::domain::agent_config::{AgentRuntimeConfig, Blackout};
use crate::domain::pulse_config::{self, SCHEDULE_NAMES, ScheduleView};
use crate::domain::pulse_schedule::{self, auto_spread};
use crate::domain::validate::field_error;
use crate::flows::access::open_agent;
use crate::store::{self, agents};

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

/// How many upcoming pulses the schedule view lists, and over how long.
const UPCOMING: usize = 20;
const UPCOMING_HOURS: i64 = 48;

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
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let (now, schedules) = (Utc::now(), tenant_schedules(&mut tx, None).await?);
    tx.commit().await?;
    let until = now + Duration::hours(hours);
    let computed = pulse_schedule::timeline(&schedules, now, until);
    Ok(Json(PulseTimeline::new(&schedules, &computed, now, until)))
}

/// Assigns offsets so the tenant's pulse-enabled agents (oldest first) pulse evenly spread over
/// their interval: agent `i` of `n` gets `i × interval / n` minutes.
#[utoipa::path(post, path = "/v1/pulses/auto-spread", tag = "pulses",
    responses((status = 200, body = SpreadResponse)))]
async fn spread(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
) -> Result<Json<SpreadResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let (changes, total) = spread_offsets(&mut tx).await?;
    tx.commit().await?;
    let status = if total == 0 { "no_agents" } else { "updated" };
    Ok(Json(SpreadResponse {
        status,
        changes,
        total_agents: total,
    }))
}

/// The agent's schedule settings and its next pulses (its own and its routines').
#[utoipa::path(get, path = "/v1/pulses/agents/{agent_id}/schedule", tag = "pulses",
    responses((status = 200, body = ScheduleResponse), (status = 404)))]
async fn get_schedule(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<ScheduleResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let config = agents::get(&mut tx, &agent_id).await?.config();
    let schedules = tenant_schedules(&mut tx, Some(&agent_id)).await?;
    tx.commit().await?;
    let now = Utc::now();
    let until = now + Duration::hours(UPCOMING_HOURS);
    Ok(Json(ScheduleResponse {
        schedule: PulseSchedule::from(&ScheduleView::from(&config)),
        upcoming: pulse_list(&schedules, now, until, UPCOMING),
    }))
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
    let config = change_config(&platform, &ctx, &agent_id, |c| {
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
    change_config(&platform, &ctx, &agent_id, |c| {
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
    change_config(&platform, &ctx, &agent_id, |c| {
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

/// Reads the agent's config locked, lets `change` produce the new one, writes it: one
/// transaction, so a refused change writes nothing and concurrent edits do not lose keys.
pub(crate) async fn change_config(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    change: impl FnOnce(&AgentRuntimeConfig) -> Result<AgentRuntimeConfig, ApiError>,
) -> Result<AgentRuntimeConfig, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let current = agents::config_for_update(&mut tx, &agent_id).await?;
    let next = change(&current)?;
    agents::set_config(&mut tx, &agent_id, &next, store::now_ms()).await?;
    tx.commit().await?;
    Ok(next)
}

/// Every firing schedule of the tenant, or of one agent.
pub(crate) async fn tenant_schedules(
    tx: &mut TenantTx,
    only: Option<&str>,
) -> Result<Vec<pulse_schedule::Scheduled>, ApiError> {
    let all_agents = agents::list_full(tx).await?;
    let all_routines = store::pulse_routines::list_all(tx).await?;
    let agents = all_agents
        .iter()
        .filter(|a| only.is_none_or(|id| a.id == id));
    Ok(agent_schedules(agents, &all_routines, Utc::now()))
}

/// Locks the pulse-enabled agents' configs in a stable order and writes the spread offsets.
async fn spread_offsets(tx: &mut TenantTx) -> Result<(Vec<SpreadChange>, usize), ApiError> {
    let enabled: Vec<String> = agents::list(tx)
        .await?
        .into_iter()
        .filter(|a| a.pulse_enabled)
        .map(|a| a.id)
        .collect();
    let mut configs = Vec::with_capacity(enabled.len());
    for id in &enabled {
        configs.push(agents::config_for_update(tx, id).await?);
    }
    let views: Vec<ScheduleView> = configs.iter().map(ScheduleView::from).collect();
    let offsets = auto_spread(&views.iter().map(|v| v.interval_minutes).collect::<Vec<_>>());
    let now = store::now_ms();
    let mut changes = Vec::new();
    for ((id, mut config), (view, new)) in
        enabled.iter().zip(configs).zip(views.iter().zip(offsets))
    {
        if view.offset_minutes == new {
            continue;
        }
        config.pulse_offset_minutes = Some(new);
        agents::set_config(tx, id, &config, now).await?;
        changes.push(SpreadChange {
            agent_id: id.clone(),
            old_offset: view.offset_minutes,
            new_offset: new,
        });
    }
    Ok((changes, enabled.len()))
}
