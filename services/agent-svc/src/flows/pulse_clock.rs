//! The pulse clock: fires the pulses agents' and routines' schedules make due (docs/agents/
//! pulses.md "How a schedule fires"). Each tick looks back over a short window, so a tick that
//! came late (a restart, a slow database) still fires what fell due meanwhile; every firing is
//! claimed once in `agent.pulse_fires` inside the transaction that records its trigger and
//! appends its PULSE_TRIGGERED, so overlapping windows and several replicas never fire twice.

use chrono::{DateTime, Duration, Utc};
use kit::db::{LookupTx, TenantTx};
use kit::{ApiError, Platform};
use serde_json::json;
use shared_schemas::events::platform::PulseTriggered;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, TenantId, random_body};

use crate::domain::pulse_schedule::Scheduled;
use crate::flows::pulse_schedules::tenant_schedules;
use crate::store::{self, pulse_fires, pulses};

/// How far back a tick looks for due firings.
pub const WINDOW: Duration = Duration::minutes(5);
/// At most this many firings of one schedule per tick (a one-minute interval after an outage).
const PER_SCHEDULE: usize = 5;
/// Firings are remembered this long, well past any window.
const KEEP: Duration = Duration::days(2);

/// Fires every pulse due in `(now - WINDOW, now]` in every tenant; how many it fired.
pub async fn tick(platform: &Platform, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut lookup = LookupTx::begin(
        platform.db.pool(),
        pulse_fires::SCOPE.0,
        pulse_fires::SCOPE.1,
    )
    .await?;
    let tenants = pulse_fires::tenants_with_pulses(&mut lookup).await?;
    lookup.commit().await?;
    let mut fired = 0;
    for tenant in tenants {
        match tick_tenant(platform, &tenant, now).await {
            Ok(n) => fired += n,
            // One tenant's trouble never stops the others' pulses.
            Err(err) => tracing::warn!(tenant = %tenant, error = %err, "pulse clock tick failed"),
        }
    }
    Ok(fired)
}

/// Fires the tenant's due pulses in one transaction.
pub async fn tick_tenant(
    platform: &Platform,
    tenant: &TenantId,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let mut tx = TenantTx::begin(platform.db.pool(), tenant).await?;
    let schedules = tenant_schedules(&mut tx, None).await?;
    let mut fired = 0;
    for schedule in &schedules {
        for fire in schedule.plan.upcoming(now - WINDOW, now, PER_SCHEDULE) {
            if fire_once(&mut tx, schedule, fire.at, fire.source.as_str()).await? {
                fired += 1;
            }
        }
    }
    pulse_fires::prune(&mut tx, (now - KEEP).timestamp_millis()).await?;
    tx.commit().await?;
    Ok(fired)
}

async fn fire_once(
    tx: &mut TenantTx,
    schedule: &Scheduled,
    at: DateTime<Utc>,
    kind: &str,
) -> Result<bool, ApiError> {
    let Ok(agent) = AgentId::parse(schedule.agent_id.as_str()) else {
        return Ok(false);
    };
    let trigger_id = format!("ptr_{}", random_body());
    let routine = schedule.routine_id.as_deref();
    let now = store::now_ms();
    if !pulse_fires::claim(
        tx,
        agent.as_str(),
        routine,
        at.timestamp_millis(),
        &trigger_id,
        now,
    )
    .await?
    {
        return Ok(false);
    }
    let event = EventEnvelope::new(
        tx.tenant().clone(),
        None,
        Event::PulseTriggered(PulseTriggered {
            agent_id: agent.clone(),
            project_id: None,
            routine_id: routine.map(str::to_owned),
            source: "schedule".to_owned(),
            context: json!({
                "triggerId": trigger_id,
                "scheduledAt": at.timestamp_millis(),
                "schedule": kind,
            }),
        }),
    );
    let record = pulses::NewTrigger {
        id: &trigger_id,
        agent_id: agent.as_str(),
        routine_id: routine,
        source: "schedule",
        requested_by: "pulse-clock",
        event_id: event.id.as_str(),
    };
    pulses::insert_trigger(tx, &record, now).await?;
    kit::outbox::append_envelope(tx, &event).await?;
    Ok(true)
}
