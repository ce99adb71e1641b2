//! `/v1/agents/{agent_id}/pulse/...`: the pulse settings in the shape the queue and lifecycle
//! views use, the pulse status, and "pulse now" (contract §1.3 queue and lifecycle rows).
//!
//! Pulses are run by engine-svc; a trigger here is a request for it on the bus
//! (`PULSE_TRIGGERED`, through the outbox), recorded in `agent.pulse_triggers`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use kit::auth::scope::UserOnly;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::agent_config::AgentRuntimeConfig;
use crate::domain::pulse_config::{self, PULSE_CONFIG_NAMES, ScheduleView};
use crate::flows;
use crate::flows::access::open_agent;
use crate::flows::pulse_schedules::{change_config, tenant_schedules};
use crate::store::{self, agents, pulses};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_config, put_config))
        .routes(routes!(status))
        .routes(routes!(trigger))
}

/// The reference's `PulseConfig`, backed by the agent's `pulse*` config keys.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseConfig {
    pub enabled: bool,
    pub interval_ms: u64,
    pub timeout_ms: u64,
}

impl From<&ScheduleView> for PulseConfig {
    fn from(v: &ScheduleView) -> Self {
        Self {
            enabled: v.enabled,
            interval_ms: u64::from(v.interval_minutes) * 60_000,
            timeout_ms: v.timeout_ms,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PulseConfigUpdate {
    pub enabled: Option<bool>,
    /// Whole minutes, 60000 to 86400000.
    pub interval_ms: Option<u64>,
    /// How long one pulse session may run, 1000 to 3600000.
    pub timeout_ms: Option<u64>,
}

impl Validate for PulseConfigUpdate {
    fn validate(&self) -> Result<(), Vec<kit::error::FieldError>> {
        let mut errors = Vec::new();
        if let Some(Err(e)) = self.interval_ms.map(pulse_config::interval_from_ms) {
            errors.push(e);
        }
        if let Some(Err(e)) = self.timeout_ms.map(pulse_config::timeout_ms) {
            errors.push(e);
        }
        crate::domain::validate::finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseStatus {
    pub enabled: bool,
    pub interval_minutes: u32,
    pub offset_minutes: u32,
    pub timeout_ms: u64,
    /// When one of the agent's routines last finished a run (epoch ms), as engine-svc reported.
    pub last_pulse: Option<i64>,
    /// The next scheduled pulse of the agent or its routines (epoch ms); null when off.
    pub next_pulse: Option<i64>,
    /// The last manual "pulse now" request (epoch ms).
    pub last_triggered_at: Option<i64>,
    pub routines: usize,
}

/// The answer to "pulse now": the request is queued for engine-svc, not yet run.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerResponse {
    pub triggered: bool,
    /// Always `queued`: engine-svc picks the request up from the bus.
    pub status: &'static str,
    pub message: String,
    pub trigger_id: String,
    /// The id of the `PULSE_TRIGGERED` event on the tenant's stream.
    pub event_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routine_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routine_name: Option<String>,
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/pulse/config", tag = "pulses",
    responses((status = 200, body = PulseConfig), (status = 404)))]
async fn get_config(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<PulseConfig>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let config = agents::get(&mut tx, &agent_id).await?.config();
    tx.commit().await?;
    Ok(Json(PulseConfig::from(&ScheduleView::from(&config))))
}

#[utoipa::path(put, path = "/v1/agents/{agent_id}/pulse/config", tag = "pulses",
    request_body = PulseConfigUpdate,
    responses((status = 200, body = PulseConfig), (status = 404), (status = 422)))]
async fn put_config(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<PulseConfigUpdate>,
) -> Result<Json<PulseConfig>, ApiError> {
    let patch = AgentRuntimeConfig {
        pulse_enabled: body.enabled,
        pulse_interval_minutes: body
            .interval_ms
            .and_then(|ms| pulse_config::interval_from_ms(ms).ok()),
        pulse_container_timeout_ms: body.timeout_ms,
        ..AgentRuntimeConfig::default()
    };
    let config = change_config(&platform, &ctx, &agent_id, |c| {
        pulse_config::apply(c, &patch, &PULSE_CONFIG_NAMES).map_err(ApiError::validation)
    })
    .await?;
    Ok(Json(PulseConfig::from(&ScheduleView::from(&config))))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/pulse/status", tag = "pulses",
    responses((status = 200, body = PulseStatus), (status = 404)))]
async fn status(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<PulseStatus>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let view = ScheduleView::from(&agents::get(&mut tx, &agent_id).await?.config());
    let routines = store::pulse_routines::list(&mut tx, &agent_id).await?;
    let schedules = tenant_schedules(&mut tx, Some(&agent_id)).await?;
    let last_triggered_at = pulses::last_trigger(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let now = Utc::now();
    let next = schedules.iter().filter_map(|s| s.plan.next(now)).min();
    Ok(Json(PulseStatus {
        enabled: view.enabled,
        interval_minutes: view.interval_minutes,
        offset_minutes: view.offset_minutes,
        timeout_ms: view.timeout_ms,
        last_pulse: routines.iter().filter_map(|r| r.last_run_at).max(),
        next_pulse: next.map(|t: DateTime<Utc>| t.timestamp_millis()),
        last_triggered_at,
        routines: routines.len(),
    }))
}

/// Asks engine-svc to pulse the agent now: 202 once the request is recorded (the outbox puts
/// `PULSE_TRIGGERED` on the bus after the commit).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/pulse/trigger", tag = "pulses",
    responses((status = 202, body = TriggerResponse), (status = 404)))]
async fn trigger(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<(StatusCode, Json<TriggerResponse>), ApiError> {
    let requested = flows::pulses::request(&platform, &ctx, &agent_id, None).await?;
    Ok((StatusCode::ACCEPTED, Json(requested.into())))
}

impl From<flows::pulses::Requested> for TriggerResponse {
    fn from(r: flows::pulses::Requested) -> Self {
        let (routine_id, routine_name) = r.routine.unzip();
        Self {
            triggered: true,
            status: "queued",
            message: "pulse requested; engine-svc runs it when it picks the request up".to_owned(),
            trigger_id: r.trigger_id,
            event_id: r.event_id,
            routine_id,
            routine_name,
        }
    }
}
