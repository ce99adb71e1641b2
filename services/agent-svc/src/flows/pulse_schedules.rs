//! The tenant's pulse schedules: the timeline of the coming pulses, spreading the agents' offsets,
//! one agent's schedule, and changes to an agent's pulse config keys (one locked transaction).

use chrono::{DateTime, Duration, Utc};
use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};

use crate::api::pulse_agent::PulseStatus;
use crate::api::pulses::{
    PulseSchedule, PulseTimeline, ScheduleResponse, SpreadChange, SpreadResponse, agent_schedules,
    pulse_list,
};
use crate::domain::agent_config::AgentRuntimeConfig;
use crate::domain::pulse_config::ScheduleView;
use crate::domain::pulse_schedule::{self, auto_spread};
use crate::flows::access::open_agent;
use crate::store::{self, agents, pulses};

/// How many upcoming pulses the schedule view lists, and over how long.
const UPCOMING: usize = 20;
const UPCOMING_HOURS: i64 = 48;

/// Every pulse of the tenant's agents and routines in the next `hours`, with the conflicts.
pub async fn timeline(
    platform: &Platform,
    ctx: &TenantContext,
    hours: i64,
) -> Result<PulseTimeline, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (now, schedules) = (Utc::now(), tenant_schedules(&mut tx, None).await?);
    tx.commit().await?;
    let until = now + Duration::hours(hours);
    let computed = pulse_schedule::timeline(&schedules, now, until);
    Ok(PulseTimeline::new(&schedules, &computed, now, until))
}

/// Spreads the pulse-enabled agents' offsets evenly over their interval.
pub async fn spread(platform: &Platform, ctx: &TenantContext) -> Result<SpreadResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (changes, total) = spread_offsets(&mut tx).await?;
    tx.commit().await?;
    let status = if total == 0 { "no_agents" } else { "updated" };
    Ok(SpreadResponse {
        status,
        changes,
        total_agents: total,
    })
}

/// The agent's schedule settings and its next pulses (its own and its routines').
pub async fn schedule(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<ScheduleResponse, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let config = agents::get(&mut tx, &agent_id).await?.config();
    let schedules = tenant_schedules(&mut tx, Some(&agent_id)).await?;
    tx.commit().await?;
    let now = Utc::now();
    let until = now + Duration::hours(UPCOMING_HOURS);
    Ok(ScheduleResponse {
        schedule: PulseSchedule::from(&ScheduleView::from(&config)),
        upcoming: pulse_list(&schedules, now, until, UPCOMING),
    })
}

/// The agent's pulse settings, defaults filled in.
pub async fn view(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<ScheduleView, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let config = agents::get(&mut tx, &agent_id).await?.config();
    tx.commit().await?;
    Ok(ScheduleView::from(&config))
}

/// The agent's pulse settings, its last and next pulse and its last manual trigger.
pub async fn status(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<PulseStatus, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let view = ScheduleView::from(&agents::get(&mut tx, &agent_id).await?.config());
    let routines = store::pulse_routines::list(&mut tx, &agent_id).await?;
    let schedules = tenant_schedules(&mut tx, Some(&agent_id)).await?;
    let last_triggered_at = pulses::last_trigger(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let now = Utc::now();
    let next = schedules.iter().filter_map(|s| s.plan.next(now)).min();
    Ok(PulseStatus {
        enabled: view.enabled,
        interval_minutes: view.interval_minutes,
        offset_minutes: view.offset_minutes,
        timeout_ms: view.timeout_ms,
        last_pulse: routines.iter().filter_map(|r| r.last_run_at).max(),
        next_pulse: next.map(|t: DateTime<Utc>| t.timestamp_millis()),
        last_triggered_at,
        routines: routines.len(),
    })
}

/// Reads the agent's config locked, lets `change` produce the new one, writes it: one
/// transaction, so a refused change writes nothing and concurrent edits do not lose keys.
pub async fn change_config(
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
pub async fn tenant_schedules(
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
