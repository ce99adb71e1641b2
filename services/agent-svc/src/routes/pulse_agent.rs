//! `/v1/agents/{agent_id}/pulse/...`: the pulse settings in the shape the queue and lifecycle
//! views use, the pulse status, and "pulse now" (contract §1.3 queue and lifecycle rows).
//!
//! Pulses are run by engine-svc; a trigger here is a request for it on the bus
//! (`PULSE_TRIGGERED`, through the outbox), recorded in `agent.pulse_triggers`. Types in `api::pulse_agent`, use cases in
//! `flows::pulse_schedules` and `flows::pulses`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::pulse_agent::{PulseConfig, PulseConfigUpdate, PulseStatus, TriggerResponse};
use crate::domain::agent_config::AgentRuntimeConfig;
use crate::domain::pulse_config::{self, PULSE_CONFIG_NAMES, ScheduleView};
use crate::flows;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_config, put_config))
        .routes(routes!(status))
        .routes(routes!(trigger))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/pulse/config", tag = "pulses",
    responses((status = 200, body = PulseConfig), (status = 404)))]
async fn get_config(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<PulseConfig>, ApiError> {
    let view = flows::pulse_schedules::view(&platform, &ctx, &agent_id).await?;
    Ok(Json(PulseConfig::from(&view)))
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
    let config = flows::pulse_schedules::change_config(&platform, &ctx, &agent_id, |c| {
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
    Ok(Json(
        flows::pulse_schedules::status(&platform, &ctx, &agent_id).await?,
    ))
}

/// Asks engine-svc to pulse the agent now: 202 once the request is recorded (the outbox puts
/// `PULSE_TRIGGERED` on the bus once the request is saved).
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
