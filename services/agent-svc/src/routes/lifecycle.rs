//! What agents are doing: fleet and agent status, lifecycle, activity timeline and stats (from
//! the activity the recorder appends), and the work locks and wake counters the engine's
//! runtimes keep in the tenant's Redis namespace.

use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{Datelike, Duration, Utc};
use kit::{ApiError, Platform, TenantContext};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared_schemas::ids::AgentId;

use crate::AppState;
use crate::flows::access::open_agent;
use crate::store::{self, activity::ActivityRow};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(fleet))
        .routes(routes!(status))
        .routes(routes!(lifecycle))
        .routes(routes!(activity))
        .routes(routes!(stats))
        .routes(routes!(wake_stats))
        .routes(routes!(work_ledger))
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
    let now = store::now_ms();
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
    Ok(locks)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FleetAgent {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub emoji: Option<String>,
    /// The last state the runtime reported (`idle` when it never reported one).
    pub state: String,
    pub last_active: Option<i64>,
    pub pulse_enabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Fleet {
    pub agents: Vec<FleetAgent>,
    #[schema(value_type = Object)]
    pub summary: Value,
}

#[utoipa::path(get, path = "/v1/agents/status", tag = "lifecycle",
    responses((status = 200, body = Fleet)))]
async fn fleet(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Fleet>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let agents = store::agents::list(&mut tx).await?;
    let states: HashMap<_, _> = store::activity::latest_states(&mut tx)
        .await?
        .into_iter()
        .map(|(id, state, _)| (id, state))
        .collect();
    let active: HashMap<_, _> = store::activity::last_active(&mut tx)
        .await?
        .into_iter()
        .collect();
    tx.commit().await?;
    let agents: Vec<FleetAgent> = agents
        .into_iter()
        .map(|a| FleetAgent {
            state: states
                .get(&a.id)
                .cloned()
                .unwrap_or_else(|| "idle".to_owned()),
            last_active: active.get(&a.id).copied(),
            pulse_enabled: a.pulse_enabled,
            id: a.id,
            slug: a.slug,
            name: a.name,
            emoji: a.emoji,
        })
        .collect();
    let mut by_state: HashMap<&str, usize> = HashMap::new();
    for a in &agents {
        *by_state.entry(a.state.as_str()).or_default() += 1;
    }
    let summary = serde_json::json!({
        "total": agents.len(),
        "byState": by_state,
        "pulseEnabled": agents.iter().filter(|a| a.pulse_enabled).count(),
    });
    Ok(Json(Fleet { agents, summary }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentStatus {
    pub status: String,
    pub active_steps: usize,
    pub current_run: Option<String>,
    pub last_seen: Option<i64>,
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

#[utoipa::path(get, path = "/v1/agents/{agent_id}/status", tag = "lifecycle",
    responses((status = 200, body = AgentStatus), (status = 404)))]
async fn status(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<AgentStatus>, ApiError> {
    let (agent_id, state, last_seen) = state_of(&platform, &ctx, &agent_id).await?;
    let locks = locks(&platform, &ctx, &agent_id).await?;
    Ok(Json(AgentStatus {
        status: state,
        active_steps: locks.len(),
        current_run: locks
            .first()
            .and_then(|l| l["runId"].as_str())
            .map(str::to_owned),
        last_seen,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    pub state: String,
    pub last_active: Option<i64>,
    /// Items waiting in the agent's work queue.
    pub queue_depth: usize,
    #[schema(value_type = Vec<Object>)]
    pub current_work: Vec<Value>,
    #[schema(value_type = Object)]
    pub pulse: Value,
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/lifecycle", tag = "lifecycle",
    responses((status = 200, body = Lifecycle), (status = 404)))]
async fn lifecycle(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Lifecycle>, ApiError> {
    let (agent_id, state, last_active) = state_of(&platform, &ctx, &agent_id).await?;
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let config = store::agents::get(&mut tx, &agent_id).await?.config();
    let queue_depth = store::queue::queued(&mut tx, &agent_id).await?.len();
    tx.commit().await?;
    Ok(Json(Lifecycle {
        state,
        last_active,
        queue_depth,
        current_work: locks(&platform, &ctx, &agent_id).await?,
        pulse: serde_json::json!({
            "enabled": config.pulse_enabled.unwrap_or(false),
            "intervalMinutes": config.pulse_interval_minutes,
        }),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    /// 1 to 1000 (default 100).
    pub limit: Option<i64>,
    /// Only entries after this time (epoch ms).
    pub since: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    pub timeline: Vec<ActivityRow>,
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/activity", tag = "lifecycle",
    params(ActivityQuery),
    responses((status = 200, body = Timeline), (status = 404), (status = 422)))]
async fn activity(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<ActivityQuery>,
) -> Result<Json<Timeline>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(crate::domain::validate::field_error(
            "limit",
            "must be between 1 and 1000",
        ));
    }
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let timeline = store::activity::list(&mut tx, &agent_id, q.since, limit).await?;
    tx.commit().await?;
    Ok(Json(Timeline { timeline }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityStats {
    pub sessions_today: i64,
    pub sessions_this_week: i64,
    pub error_count: i64,
    pub total_tokens: i64,
    pub total_cost: f64,
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/activity/stats", tag = "lifecycle",
    responses((status = 200, body = ActivityStats), (status = 404)))]
async fn stats(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<ActivityStats>, ApiError> {
    let now = Utc::now();
    let day = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let week = day - Duration::days(i64::from(now.weekday().num_days_from_monday()));
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let c = store::activity::counts(
        &mut tx,
        &agent_id,
        day.timestamp_millis(),
        week.timestamp_millis(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(ActivityStats {
        sessions_today: c.sessions_today,
        sessions_this_week: c.sessions_week,
        error_count: c.errors,
        total_tokens: c.total_tokens,
        total_cost: c.total_cost,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WakeStats {
    pub agent_id: String,
    /// The UTC day counted, `YYYY-MM-DD`.
    pub date: String,
    pub wakes_today: i64,
    pub max_wakes_per_day: Option<u32>,
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/wake-stats", tag = "lifecycle",
    responses((status = 200, body = WakeStats), (status = 404)))]
async fn wake_stats(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<WakeStats>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let config = store::agents::get(&mut tx, &agent_id).await?.config();
    tx.commit().await?;
    let date = Utc::now().format("%Y-%m-%d").to_string();
    let agent = AgentId::parse(agent_id.as_str()).map_err(|_| store::agents::not_found())?;
    let mut redis = platform.redis.clone();
    let wakes: Option<i64> = redis
        .get(platform.keys.agent_wakes(&ctx.tenant_id, &agent, &date))
        .await?;
    Ok(Json(WakeStats {
        agent_id,
        date,
        wakes_today: wakes.unwrap_or(0),
        max_wakes_per_day: config
            .coordination
            .and_then(|c| c.wake_guardrails)
            .and_then(|g| g.max_wakes_per_day),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkLedger {
    pub agent_id: String,
    #[schema(value_type = Vec<Object>)]
    pub locks: Vec<Value>,
    pub count: usize,
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/work-ledger", tag = "lifecycle",
    responses((status = 200, body = WorkLedger), (status = 404)))]
async fn work_ledger(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<WorkLedger>, ApiError> {
    let (tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    tx.commit().await?;
    let locks = locks(&platform, &ctx, &agent_id).await?;
    Ok(Json(WorkLedger {
        count: locks.len(),
        locks,
        agent_id,
    }))
}
