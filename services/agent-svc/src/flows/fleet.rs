//! The fleet status the dashboard's agents page reads (`GET /v1/agents/status`): every agent of
//! the tenant with its state, current work, queue, unread inbox, installed tools and last pulse,
//! and the summary over them. Counters come from one SQL statement, work locks from one Redis
//! pipeline and installed tools from the sandboxes, off the async threads.

use std::collections::{BTreeMap, HashMap};

use kit::beneath::Beneath;
use kit::paths::Area;
use kit::{ApiError, TenantContext};
use serde_json::{Value, json};
use shared_schemas::ids::AgentId;

use crate::AppState;
use crate::api::lifecycle::{Fleet, FleetAgent, FleetSummary};
use crate::flows::lifecycle::live_locks;
use crate::store;

pub async fn fleet(state: &AppState, ctx: &TenantContext) -> Result<Fleet, ApiError> {
    let platform = &state.platform;
    let mut tx = platform.db.begin_tenant(ctx).await?;
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
    let counters = store::fleet::counters(&mut tx).await?;
    tx.commit().await?;

    let ids: Vec<String> = agents.iter().map(|a| a.id.clone()).collect();
    let work = current_work(state, ctx, &ids).await?;
    let tools = installed_tools(state, ctx, ids).await?;

    let agents: Vec<FleetAgent> = agents
        .into_iter()
        .map(|a| {
            let c = counters.get(&a.id).cloned().unwrap_or_default();
            FleetAgent {
                state: states
                    .get(&a.id)
                    .cloned()
                    .unwrap_or_else(|| "idle".to_owned()),
                current_work: work.get(&a.id).cloned(),
                queue_length: c.queued,
                unread_count: c.unread,
                installed_tools: tools.get(&a.id).copied().unwrap_or(0),
                last_active: active.get(&a.id).copied(),
                last_pulse: c.last_pulse,
                pulse_enabled: a.pulse_enabled,
                slack_connected: a.slack_connected,
                role: a.role,
                id: a.id,
                slug: a.slug,
                name: a.name,
                emoji: a.emoji,
            }
        })
        .collect();
    Ok(Fleet {
        summary: summary(&agents),
        agents,
    })
}

fn summary(agents: &[FleetAgent]) -> FleetSummary {
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for a in agents {
        *by_state.entry(a.state.clone()).or_default() += 1;
    }
    let count = |s: &str| by_state.get(s).copied().unwrap_or(0);
    FleetSummary {
        total: agents.len(),
        idle: count("idle"),
        working: count("working"),
        thinking: count("thinking"),
        total_queued: agents.iter().map(|a| a.queue_length).sum(),
        pulse_enabled: agents.iter().filter(|a| a.pulse_enabled).count(),
        by_state,
    }
}

/// `{runId, step}` of each agent's newest live work lock, for the agents that hold one.
async fn current_work(
    state: &AppState,
    ctx: &TenantContext,
    ids: &[String],
) -> Result<HashMap<String, Value>, ApiError> {
    let platform = &state.platform;
    let mut pipe = redis::pipe();
    let mut asked = Vec::new();
    for id in ids {
        // Every stored id is an agent id; one that is not has no locks to read.
        if let Ok(agent) = AgentId::parse(id) {
            pipe.hgetall(platform.keys.agent_work_locks(&ctx.tenant_id, &agent));
            asked.push(id.clone());
        }
    }
    if asked.is_empty() {
        return Ok(HashMap::new());
    }
    let mut redis = platform.redis.clone();
    let hashes: Vec<HashMap<String, String>> = pipe.query_async(&mut redis).await?;
    let now = platform.clock.now_ms();
    Ok(asked
        .into_iter()
        .zip(hashes)
        .filter_map(|(id, raw)| {
            let lock = live_locks(raw, now).into_iter().next()?;
            let work = json!({
                "runId": lock["runId"],
                "step": lock["stepId"],
                "startedAt": lock["acquiredAt"],
            });
            Some((id, work))
        })
        .collect())
}

/// How many programs each agent installed in its sandbox; an agent without a sandbox has none.
async fn installed_tools(
    state: &AppState,
    ctx: &TenantContext,
    ids: Vec<String>,
) -> Result<HashMap<String, usize>, ApiError> {
    let paths = state.paths.clone();
    let tenant = ctx.tenant_id.clone();
    tokio::task::spawn_blocking(move || {
        ids.into_iter()
            .map(|id| {
                let count = Beneath::base(&paths, tenant.as_str(), Area::Sandboxes, &id, false)
                    .map_or(0, |root| store::sandbox::installed_tools(&root).len());
                (id, count)
            })
            .collect()
    })
    .await
    .map_err(ApiError::internal)
}
