//! `/v1/agents/{agent_id}/pulse-routines`: named pulses of an agent, each with its own
//! instructions and schedule (contract §1.3 pulse_routines, §2 `pulse_routines`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::{AnyCaller, UserOnly};
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::pulse_agent::TriggerResponse;
use crate::api::pulse_routines::{
    CreatePulseRoutine, PulseRoutine, Reorder, RoutineList, RunRecorded, Status, Toggled,
    UpdatePulseRoutine,
};
use crate::flows;
use crate::flows::pulse_routines as routines;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(reorder))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(toggle))
        .routes(routes!(duplicate))
        .routes(routes!(trigger))
        .routes(routes!(record_run))
}

type Routine = Path<(String, String)>;

/// The agent's routines in their display order.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/pulse-routines", tag = "pulse-routines",
    responses((status = 200, body = RoutineList), (status = 404)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<RoutineList>, ApiError> {
    Ok(Json(routines::list(&platform, &ctx, &agent_id).await?))
}

/// Creates a routine at the end of the list; 409 `routine_name_taken` for a duplicate name.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/pulse-routines", tag = "pulse-routines",
    request_body = CreatePulseRoutine,
    responses((status = 201, body = PulseRoutine), (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<CreatePulseRoutine>,
) -> Result<(StatusCode, Json<PulseRoutine>), ApiError> {
    let routine = routines::create(&platform, &ctx, &agent_id, body).await?;
    Ok((StatusCode::CREATED, Json(routine)))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)), responses((status = 200, body = PulseRoutine), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, id)): Routine,
) -> Result<Json<PulseRoutine>, ApiError> {
    Ok(Json(routines::get(&platform, &ctx, &agent_id, &id).await?))
}

/// Changes the fields the body names (`null` clears an optional one); the result must be a
/// valid routine as a whole (e.g. the offset below the new interval).
#[utoipa::path(put, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)), request_body = UpdatePulseRoutine,
    responses((status = 200, body = PulseRoutine), (status = 404), (status = 409), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((agent_id, id)): Routine,
    ValidJson(body): ValidJson<UpdatePulseRoutine>,
) -> Result<Json<PulseRoutine>, ApiError> {
    Ok(Json(
        routines::update(&platform, &ctx, &agent_id, &id, body).await?,
    ))
}

#[utoipa::path(delete, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)), responses((status = 200, body = Status), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((agent_id, id)): Routine,
) -> Result<Json<Status>, ApiError> {
    Ok(Json(
        routines::delete(&platform, &ctx, &agent_id, id).await?,
    ))
}

#[utoipa::path(patch, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}/toggle",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)), responses((status = 200, body = Toggled), (status = 404)))]
async fn toggle(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((agent_id, id)): Routine,
) -> Result<Json<Toggled>, ApiError> {
    Ok(Json(
        routines::toggle(&platform, &ctx, &agent_id, id).await?,
    ))
}

/// A disabled copy named `X (copy)` (or `X (copy 2)`, …) without the one-off pulses.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}/duplicate",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)), responses((status = 201, body = PulseRoutine), (status = 404)))]
async fn duplicate(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((agent_id, id)): Routine,
) -> Result<(StatusCode, Json<PulseRoutine>), ApiError> {
    let routine = routines::duplicate(&platform, &ctx, &agent_id, &id).await?;
    Ok((StatusCode::CREATED, Json(routine)))
}

/// 422 unless `routineIds` lists exactly the agent's routines, each once.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/pulse-routines/reorder",
    tag = "pulse-routines", request_body = Reorder,
    responses((status = 200, body = Status), (status = 404), (status = 422)))]
async fn reorder(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<Reorder>,
) -> Result<Json<Status>, ApiError> {
    Ok(Json(
        routines::reorder(&platform, &ctx, &agent_id, body).await?,
    ))
}

/// Asks engine-svc to run this routine now (a `PULSE_TRIGGERED` event with `routineId`).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}/trigger",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)),
    responses((status = 202, body = TriggerResponse), (status = 404)))]
async fn trigger(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, id)): Routine,
) -> Result<(StatusCode, Json<TriggerResponse>), ApiError> {
    let requested = flows::pulses::request(&platform, &ctx, &agent_id, Some(&id)).await?;
    Ok((StatusCode::ACCEPTED, Json(requested.into())))
}

/// The engine (service credential) or the routine's own agent reports a finished run.
#[utoipa::path(post, path = "/v1/pulse-routines/{routine_id}/record-run", tag = "pulse-routines",
    responses((status = 200, body = RunRecorded), (status = 403), (status = 404)))]
async fn record_run(
    State(platform): State<Platform>,
    AnyCaller(ctx): AnyCaller,
    Path(id): Path<String>,
) -> Result<Json<RunRecorded>, ApiError> {
    Ok(Json(routines::record_run(&platform, &ctx, id).await?))
}
