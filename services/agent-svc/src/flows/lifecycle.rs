//! What agents are doing: fleet and agent status, lifecycle, activity timeline and stats (from
//! the activity the recorder appends), and the work locks and wake counters the engine's
//! runtimes keep in the tenant's Redis namespace.
//! The use cases behind `routes::lifecycle`.

use std::collections::HashMap;

use chrono::{Datelike, Duration, Utc};
use kit::{ApiError, Platform, TenantContext};
use redis::AsyncCommands;
use serde_json::Value;
use shared_schemas::ids::AgentId;

use crate::api::lifecycle::{
    ActivityQuery, ActivityStats, AgentStatus, Lifecycle, Timeline, WakeStats, WorkLedger,
};
use crate::flows::access::open_agent;
use crate::store;

pub async fn status(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<AgentStatus, ApiError> {
    let (agent_id, state, last_seen) = state_of(platform, ctx, agent_id).await?;
    let locks = locks(platform, ctx, &agent_id).await?;
    Ok(AgentStatus {
        status: state,
        active_steps: locks.len(),
        current_run: locks
            .first()
            .and_then(|l| l["runId"].as_str())
            .map(str::to_owned),
        last_seen,
    })
}

pub async fn lifecycle(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<Lifecycle, ApiError> {
    let (agent_id, state, last_active) = state_of(platform, ctx, agent_id).await?;
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let config = store::agents::get(&mut tx, &agent_id).await?.config();
    let queue_depth = store::queue::queued(&mut tx, &agent_id).await?.len();
    tx.commit().await?;
    Ok(Lifecycle {
        state,
        last_active,
        queue_depth,
        current_work: locks(platform, ctx, &agent_id).await?,
        pulse: serde_json::json!({
            "enabled": config.pulse_enabled.unwrap_or(false),
            "intervalMinutes": config.pulse_interval_minutes,
        }),
    })
}

pub async fn activity(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
    q: ActivityQuery,
) -> Result<Timeline, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(crate::domain::validate::field_error(
            "limit",
            "must be between 1 and 1000",
        ));
    }
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let timeline = store::activity::list(&mut tx, &agent_id, q.since, limit).await?;
    tx.commit().await?;
    Ok(Timeline { timeline })
}

pub async fn stats(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<ActivityStats, ApiError> {
    let now = Utc::now();
    let day = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let week = day - Duration::days(i64::from(now.weekday().num_days_from_monday()));
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let c = store::activity::counts(
        &mut tx,
        &agent_id,
        day.timestamp_millis(),
        week.timestamp_millis(),
    )
    .await?;
    tx.commit().await?;
    Ok(ActivityStats {
        sessions_today: c.sessions_today,
        sessions_this_week: c.sessions_week,
        error_count: c.errors,
        total_tokens: c.total_tokens,
        total_cost: c.total_cost,
    })
}

pub async fn wake_stats(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<WakeStats, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    let config = store::agents::get(&mut tx, &agent_id).await?.config();
    tx.commit().await?;
    let date = Utc::now().format("%Y-%m-%d").to_string();
    let agent = AgentId::parse(agent_id.as_str()).map_err(|_| store::agents::not_found())?;
    let mut redis = platform.redis.clone();
    let wakes: Option<i64> = redis
        .get(platform.keys.agent_wakes(&ctx.tenant_id, &agent, &date))
        .await?;
    Ok(WakeStats {
        agent_id,
        date,
        wakes_today: wakes.unwrap_or(0),
        max_wakes_per_day: config
            .coordination
            .and_then(|c| c.wake_guardrails)
            .and_then(|g| g.max_wakes_per_day),
    })
}

pub async fn work_ledger(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<WorkLedger, ApiError> {
    let (tx, agent_id) = open_agent(platform, ctx, agent_id).await?;
    tx.commit().await?;
    let locks = locks(platform, ctx, &agent_id).await?;
    Ok(WorkLedger {
        count: locks.len(),
        locks,
        agent_id,
    })
}

/// Live work locks of an agent, newest first.
async fn locks(
    platform: &Platform,
    ctx: &TenantContext,
    agent_id: &str,
) -> Result<Vec<Value>, ApiError> {
    let agent = AgentId::parse(agent_id).map_err(|_| store::agents::not_found())?;
    let key = platform.keys.agent_work_locks(&ctx.tenant_id, &agent);
    let mut redis = platform.redis.clone();
    let raw: HashMap<String, String> = redis.hgetall(key).await?;
    Ok(live_locks(raw, store::now_ms()))
}

/// The live locks of one agent's lock hash (lock id → JSON), newest first.
pub(crate) fn live_locks(raw: HashMap<String, String>, now: i64) -> Vec<Value> {
    let mut locks: Vec<Value> = raw
        .into_iter()
        .filter_map(|(id, json)| {
            let mut lock: Value = serde_json::from_str(&json).ok()?;
            // A crashed runtime cannot remove its lock; an expired one is not live work.
            let expired = lock["expiresAt"].as_i64().is_some_and(|t| t <= now);
            lock["lockId"] = id.into();
            (!expired).then_some(lock)
        })
        .collect();
    locks.sort_by_key(|l| std::cmp::Reverse(l["acquiredAt"].as_i64().unwrap_or(0)));
    locks
}

/// The agent's id, its last reported state and when it was last active.
async fn state_of(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<(String, String, Option<i64>), ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let state = store::activity::latest_states(&mut tx)
        .await?
        .into_iter()
        .find(|(id, ..)| *id == agent_id)
        .map_or_else(|| "idle".to_owned(), |(_, s, _)| s);
    let last = store::activity::last_active(&mut tx)
        .await?
        .into_iter()
        .find(|(id, _)| *id == agent_id)
        .map(|(_, t)| t);
    tx.commit().await?;
    Ok((agent_id, state, last))
}
