//! `/v1/agents/{agent_id}/pulse-routines`: named pulses of an agent, each with its own
//! instructions and schedule (contract §1.3 pulse_routines, §2 `pulse_routines`).
//! The use cases behind `routes::pulse_routines`.

use chrono::Utc;
use kit::{ApiError, Platform, TenantContext, TokenKind};

use crate::api::pulse_routines::{
    CreatePulseRoutine, PulseRoutine, Reorder, RoutineList, RunRecorded, Status, Toggled,
    UpdatePulseRoutine,
};
use crate::domain::pulse_routines::{RoutineSpec, copy_name, pick_color};
use crate::domain::validate::{err, finish};
use crate::flows::access::open_agent;
use crate::store::{self, pulse_routines as routines};

/// The agent's routines in their display order.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<RoutineList, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let all = routines::list(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(RoutineList {
        routines: all.iter().map(PulseRoutine::from).collect(),
    })
}

/// Creates a routine at the end of the list; 409 `routine_name_taken` for a duplicate name.
pub async fn create(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    body: CreatePulseRoutine,
) -> Result<PulseRoutine, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let (_, colors, next) = routines::siblings(&mut tx, &agent_id).await?;
    let mut spec = body.into_spec();
    spec.color = spec.color.or_else(|| Some(pick_color(&colors)));
    let routine = routines::insert(&mut tx, &agent_id, &spec, next, store::now_ms()).await?;
    tx.commit().await?;
    Ok((&routine).into())
}

pub async fn get(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    id: &str,
) -> Result<PulseRoutine, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let routine = routines::get(&mut tx, &agent_id, id, false).await?;
    tx.commit().await?;
    Ok((&routine).into())
}

/// Changes the fields the body names (`null` clears an optional one); the result must be a
/// valid routine as a whole (e.g. the offset below the new interval).
pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    id: &str,
    body: UpdatePulseRoutine,
) -> Result<PulseRoutine, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let mut spec = routines::get(&mut tx, &agent_id, id, true).await?.spec;
    spec.drop_past_one_offs(Utc::now());
    body.apply(&mut spec);
    finish(spec.validate(Utc::now())).map_err(ApiError::validation)?;
    let routine = routines::update(&mut tx, &agent_id, id, &spec, store::now_ms()).await?;
    tx.commit().await?;
    Ok((&routine).into())
}

pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    id: String,
) -> Result<Status, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    routines::delete(&mut tx, &agent_id, &id).await?;
    tx.commit().await?;
    Ok(Status {
        status: "deleted",
        id: Some(id),
    })
}

pub async fn toggle(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    id: String,
) -> Result<Toggled, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let enabled = routines::toggle(&mut tx, &agent_id, &id, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Toggled { id, enabled })
}

/// A disabled copy named `X (copy)` (or `X (copy 2)`, …) without the one-off pulses.
pub async fn duplicate(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    id: &str,
) -> Result<PulseRoutine, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let source = routines::get(&mut tx, &agent_id, id, false).await?.spec;
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
    Ok((&routine).into())
}

/// 422 unless `routineIds` lists exactly the agent's routines, each once.
pub async fn reorder(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    body: Reorder,
) -> Result<Status, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
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
    Ok(Status {
        status: "reordered",
        id: None,
    })
}

/// The engine (service credential) or the routine's own agent reports a finished run.
pub async fn record_run(
    platform: &Platform,
    ctx: &TenantContext,
    id: String,
) -> Result<RunRecorded, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let routine = routines::find(&mut tx, &id).await?;
    if ctx.kind() != TokenKind::Service {
        ctx.require_agent(&routine.agent_id)?;
    }
    let (last_run_at, total_runs) = routines::record_run(&mut tx, &id, store::now_ms()).await?;
    tx.commit().await?;
    Ok(RunRecorded {
        status: "recorded",
        routine_id: id,
        last_run_at,
        total_runs,
    })
}
