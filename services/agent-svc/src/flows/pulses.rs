//! "Pulse now": a request for engine-svc, recorded in `agent.pulse_triggers` and announced as
//! `PULSE_TRIGGERED` through the outbox in the same transaction, so the engine never hears of
//! a request that was rolled back and never misses one that was recorded.

use kit::{ApiError, Platform, TenantContext};
use serde_json::json;
use shared_schemas::events::platform::PulseTriggered;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, random_body};

use crate::flows::access::open_agent;
use crate::store::{self, agents, pulse_routines, pulses};

/// What was queued: the trigger's id, its event's id and the routine it runs, if any.
#[derive(Debug)]
pub struct Requested {
    pub trigger_id: String,
    pub event_id: String,
    /// `(id, name)` of the routine.
    pub routine: Option<(String, String)>,
}

/// Requests a pulse of the agent, or of one of its routines.
pub async fn request(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    routine_id: Option<&str>,
) -> Result<Requested, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let routine = match routine_id {
        Some(id) => {
            let r = pulse_routines::get(&mut tx, &agent_id, id, false).await?;
            Some((r.id, r.spec.name))
        }
        None => None,
    };
    let agent = AgentId::parse(agent_id.as_str()).map_err(|_| agents::not_found())?;
    let trigger_id = format!("ptr_{}", random_body());
    let event = EventEnvelope::new(
        ctx.tenant_id.clone(),
        None,
        Event::PulseTriggered(PulseTriggered {
            agent_id: agent,
            project_id: None,
            routine_id: routine.as_ref().map(|(id, _)| id.clone()),
            source: "manual".to_owned(),
            context: json!({"triggerId": trigger_id, "requestedBy": ctx.subject()}),
        }),
    );
    let record = pulses::NewTrigger {
        id: &trigger_id,
        agent_id: &agent_id,
        routine_id: routine.as_ref().map(|(id, _)| id.as_str()),
        source: "manual",
        requested_by: ctx.subject(),
        event_id: event.id.as_str(),
    };
    pulses::insert_trigger(&mut tx, &record, store::now_ms()).await?;
    kit::outbox::append_envelope(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(Requested {
        trigger_id,
        event_id: event.id.to_string(),
        routine,
    })
}
