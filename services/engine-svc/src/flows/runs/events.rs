//! What other services' events do to runs: a deleted agent or project cancels the runs that use
//! it; a deleted tenant's Redis keys are removed (its rows went with the tenant). Each applied
//! event id is recorded in the transaction of its effect, so a redelivery changes nothing.

use kit::ApiError;
use kit::db::TenantTx;
use kit::outbox::{append_for_run, first_delivery};
use shared_schemas::events::run::{HumanIntervention, InterventionAction};
use shared_schemas::events::run_admin::{RunStatus, RunStatusChanged};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::flows::runs::admission;
use crate::flows::steps::effects;
use crate::store;

pub const CONSUMER: &str = "engine-run-cleanup";

/// Cancels the tenant's active runs that use `agent` or belong to `project`; returns them.
pub async fn cancel_for(
    app: &AppState,
    envelope: &EventEnvelope,
    agent: Option<&str>,
    project: Option<&str>,
    reason: &str,
) -> Result<Vec<String>, ApiError> {
    let tenant = &envelope.tenant_id;
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    if !first_delivery(&mut tx, CONSUMER, envelope.id.as_str()).await? {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    let runs = store::runs::active_of(&mut tx, agent, project).await?;
    let mut cancelled = Vec::new();
    for id in runs {
        let Some(run) = store::runs::lock(&mut tx, &id).await? else {
            continue;
        };
        let from = ["pending", "queued", "running", "paused"];
        if !store::runs::transition(&mut tx, &id, &from, "cancelled", Some(reason), now).await? {
            continue;
        }
        effects::cancel_open(&mut tx, &run, None, reason, now).await?;
        let rid = effects::run_id(&run)?;
        let stop = HumanIntervention {
            step_id: run.current_step_id.clone().unwrap_or_default(),
            action: InterventionAction::Stop,
            context: reason.to_owned(),
        };
        append_for_run(&mut tx, &rid, Event::HumanIntervention(stop)).await?;
        let changed = RunStatusChanged {
            status: RunStatus::Cancelled,
            active_runs: None,
        };
        append_for_run(&mut tx, &rid, Event::RunStatusChanged(changed)).await?;
        cancelled.push(id);
    }
    tx.commit().await?;
    for id in &cancelled {
        admission::after_end(app, tenant, id).await;
    }
    Ok(cancelled)
}

/// Removes the deleted tenant's run streams, step logs and run slots.
pub async fn purge_tenant(app: &AppState, tenant: &TenantId) -> Result<usize, ApiError> {
    let keys = &app.platform.keys;
    let mut conn = app.platform.redis.clone();
    let mut removed = 0;
    for pattern in [
        keys.tenant_run_events_pattern(tenant),
        keys.tenant_engine_pattern(tenant),
    ] {
        let mut cursor: u64 = 0;
        loop {
            let (next, found): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await?;
            if !found.is_empty() {
                let n: usize = redis::cmd("DEL").arg(&found).query_async(&mut conn).await?;
                removed += n;
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
    }
    Ok(removed)
}
