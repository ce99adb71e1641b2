//! `/v1/agents/{agent_id}/pulse-routines`: named pulses of an agent, each with its own
//! instructions and schedule (contract §1.3 pulse_routines, §2 `pulse_routines`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use kit::auth::scope::{AnyCaller, UserOnly};
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::pulse_agent::TriggerResponse;
use crate::api::pulse_routines::{
    CreatePulseRoutine, PulseRoutine, RoutineList, UpdatePulseRoutine,
};
use crate::domain::pulse_routines::{RoutineSpec, copy_name, pick_color};
use crate::domain::validate::{err, finish};
use crate::flows;
use crate::flows::access::open_agent;
use crate::store::{self, pulse_routines as routines};

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

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Toggled {
    pub id: String,
    pub enabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reorder {
    /// Every routine id of the agent, once each, in the new order.
    pub routine_ids: Vec<String>,
}

impl Validate for Reorder {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunRecorded {
    pub status: &'static str,
    pub routine_id: String,
    pub last_run_at: i64,
    pub total_runs: i32,
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
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let all = routines::list(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(Json(RoutineList {
        routines: all.iter().map(PulseRoutine::from).collect(),
    }))
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
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let (_, colors, next) = routines::siblings(&mut tx, &agent_id).await?;
    let mut spec = body.into_spec();
    spec.color = spec.color.or_else(|| Some(pick_color(&colors)));
    let routine = routines::insert(&mut tx, &agent_id, &spec, next, store::now_ms()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json((&routine).into())))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)), responses((status = 200, body = PulseRoutine), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, id)): Routine,
) -> Result<Json<PulseRoutine>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let routine = routines::get(&mut tx, &agent_id, &id, false).await?;
    tx.commit().await?;
    Ok(Json((&routine).into()))
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
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let mut spec = routines::get(&mut tx, &agent_id, &id, true).await?.spec;
    spec.drop_past_one_offs(Utc::now());
    body.apply(&mut spec);
    finish(spec.validate(Utc::now())).map_err(ApiError::validation)?;
    let routine = routines::update(&mut tx, &agent_id, &id, &spec, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json((&routine).into()))
}

#[utoipa::path(delete, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)), responses((status = 200, body = Status), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((agent_id, id)): Routine,
) -> Result<Json<Status>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    routines::delete(&mut tx, &agent_id, &id).await?;
    tx.commit().await?;
    Ok(Json(Status {
        status: "deleted",
        id: Some(id),
    }))
}

#[utoipa::path(patch, path = "/v1/agents/{agent_id}/pulse-routines/{routine_id}/toggle",
    tag = "pulse-routines",
    params(("agent_id" = String, Path), ("routine_id" = String, Path)), responses((status = 200, body = Toggled), (status = 404)))]
async fn toggle(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path((agent_id, id)): Routine,
) -> Result<Json<Toggled>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let enabled = routines::toggle(&mut tx, &agent_id, &id, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json(Toggled { id, enabled }))
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
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let source = routines::get(&mut tx, &agent_id, &id, false).await?.spec;
    let (names, colors, next) = routines::siblings(&mut tx, &agent_id).await?;
    let copy = RoutineSpec {
        name: copy_name(&source.name, &names),
        enabled: false,
        one_offs: Vec::new(),
        color: Some(pick_color(&colors)),
        ..source
    };
    let routine = routines::insert(&mut tx, &agent_id, &copy, next, store::now_ms()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json((&routine).into())))
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
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let mut current: Vec<String> = routines::list(&mut tx, &agent_id)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut wanted = body.routine_ids.clone();
    current.sort_unstable();
    wanted.sort_unstable();
    if current != wanted {
        let message = "must list every routine of the agent exactly once";
        return Err(ApiError::validation(vec![err("routineIds", message)]));
    }
    routines::reorder(&mut tx, &agent_id, &body.routine_ids, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json(Status {
        status: "reordered",
        id: None,
    }))
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
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let routine = routines::find(&mut tx, &id).await?;
    if ctx.kind() != TokenKind::Service {
        ctx.require_agent(&routine.agent_id)?;
    }
    let (last_run_at, total_runs) = routines::record_run(&mut tx, &id, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json(RunRecorded {
        status: "recorded",
        routine_id: id,
        last_run_at,
        total_runs,
    }))
}

/// Field rules of a new routine, checked before anything is read.
impl Validate for CreatePulseRoutine {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        finish(self.clone().into_spec().validate(Utc::now()))
    }
}

impl Validate for UpdatePulseRoutine {}
