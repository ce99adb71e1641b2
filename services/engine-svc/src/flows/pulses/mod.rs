//! Pulses (`PULSE_TRIGGERED`): an agent woken to work its task board. A pulse is a chat session
//! of type `pulse` in agent-svc (so its transcript is kept and streamed like any chat), driven
//! by the engine's chat runtimes: one message with the routine's instructions and the board
//! columns to work, then the session ends and the routine's run is recorded.
//!
//! Limits, per tenant: at most `maxConcurrentPulseSessions` pulses at once (a slot set that
//! heals when a replica dies mid-pulse); a pulse over the limit is refused here and its event
//! redelivered later by the consumer group, so it waits instead of vanishing. Wakes (pulses an
//! agent asked for another agent, `source: wake`) also count against `maxWakesPerDay`.

pub mod agent_svc;

use chrono::Utc;
use kit::ApiError;
use shared_schemas::events::platform::PulseTriggered;
use shared_schemas::ids::TenantId;
use tokio::time::Instant;

use self::agent_svc::{POLL, PulseAgentSvc, Routine, Turn};
use crate::AppState;
use crate::flows::runs::slots::{self, Slot};

/// Board columns a pulse works when its routine names none.
const DEFAULT_COLUMNS: &[&str] = &["Ready", "In Progress"];
/// Added to the pulse's own timeout for starting the runtime and ending the session.
const MARGIN_MS: u64 = 60_000;

/// How a pulse ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PulseOutcome {
    Answered {
        session: String,
    },
    Failed {
        session: String,
        error: String,
    },
    TimedOut {
        session: String,
    },
    /// The agent used up its wakes for the day.
    WakeLimit,
    /// The routine was deleted after the trigger.
    RoutineGone,
}

/// Runs one pulse to its end. `key` (the event id) makes the agent-svc calls idempotent when
/// the event is delivered again.
pub async fn run(
    app: &AppState,
    tenant: &TenantId,
    key: &str,
    trigger: &PulseTriggered,
) -> Result<PulseOutcome, ApiError> {
    let svc = PulseAgentSvc::new(app.platform.client.clone(), &app.config.agent_svc_url);
    let settings = svc.settings(tenant).await;
    let routine = match &trigger.routine_id {
        Some(id) => match svc.routine(tenant, &trigger.agent_id, id).await? {
            Some(routine) => Some(routine),
            None => return Ok(PulseOutcome::RoutineGone),
        },
        None => None,
    };
    if trigger.source == "wake"
        && !take_wake(app, tenant, trigger, settings.max_wakes_per_day).await?
    {
        return Ok(PulseOutcome::WakeLimit);
    }
    let timeout_ms = routine
        .as_ref()
        .and_then(|r| r.timeout_ms)
        .unwrap_or_else(|| u64::try_from(settings.default_pulse_timeout_sec).unwrap_or(120) * 1000);
    let slot_key = app.platform.keys.pulse_sessions(tenant);
    let lease = i64::try_from(timeout_ms + MARGIN_MS).unwrap_or(i64::MAX);
    let limit = settings.max_concurrent_pulse_sessions;
    if slots::acquire_in(&app.platform, &slot_key, key, limit, lease).await? == Slot::Full {
        return Err(ApiError::conflict(
            "pulse_limit",
            format!("{limit} pulse sessions of the tenant are running; this pulse waits"),
        ));
    }
    let outcome = converse(&svc, tenant, key, trigger, routine.as_ref(), timeout_ms).await;
    slots::release_in(&app.platform, &slot_key, key).await?;
    let outcome = outcome?;
    if let (Some(id), PulseOutcome::Answered { .. }) = (&trigger.routine_id, &outcome) {
        svc.record_run(tenant, id).await?;
    }
    Ok(outcome)
}

async fn converse(
    svc: &PulseAgentSvc,
    tenant: &TenantId,
    key: &str,
    trigger: &PulseTriggered,
    routine: Option<&Routine>,
    timeout_ms: u64,
) -> Result<PulseOutcome, ApiError> {
    let agent = &trigger.agent_id;
    let model = routine.and_then(|r| r.executor_model.as_deref());
    let session = svc.start(tenant, agent, model, BRIEF, key).await?;
    let message = prompt(trigger, routine);
    let answer = svc.send(tenant, agent, &session, &message, key).await?;
    let deadline = Instant::now() + std::time::Duration::from_millis(timeout_ms + MARGIN_MS);
    let outcome = loop {
        match svc.turn(tenant, &session, &answer).await {
            Ok(Turn::Answered) => break PulseOutcome::Answered { session },
            Ok(Turn::Ended(error)) => break PulseOutcome::Failed { session, error },
            Ok(Turn::Pending) => {}
            Err(err) => tracing::debug!(error = %err, session, "pulse turn unknown for now"),
        }
        if Instant::now() >= deadline {
            break PulseOutcome::TimedOut { session };
        }
        tokio::time::sleep(POLL).await;
    };
    let session = match &outcome {
        PulseOutcome::Answered { session }
        | PulseOutcome::Failed { session, .. }
        | PulseOutcome::TimedOut { session } => session,
        _ => return Ok(outcome),
    };
    svc.end(tenant, agent, session).await;
    Ok(outcome)
}

/// Counts one wake of the agent today; false when that passes the daily limit.
async fn take_wake(
    app: &AppState,
    tenant: &TenantId,
    trigger: &PulseTriggered,
    limit: i64,
) -> Result<bool, ApiError> {
    let day = Utc::now().format("%Y-%m-%d").to_string();
    let key = app
        .platform
        .keys
        .agent_wakes(tenant, &trigger.agent_id, &day);
    let mut conn = app.platform.redis.clone();
    let (count, _): (i64, i64) = redis::pipe()
        .atomic()
        .incr(&key, 1)
        .expire(&key, 2 * 86_400)
        .query_async(&mut conn)
        .await
        .map_err(ApiError::internal)?;
    Ok(count <= limit)
}

const BRIEF: &str = "You are running a pulse: a scheduled check of your work. Work on your own, \
     without waiting for a person, and finish with a short summary of what you did.";

/// The pulse's one message: the routine's instructions and the board columns to work.
pub fn prompt(trigger: &PulseTriggered, routine: Option<&Routine>) -> String {
    let columns = routine
        .and_then(|r| r.pulse_columns.clone())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| DEFAULT_COLUMNS.iter().map(|c| (*c).to_owned()).collect());
    let mut text = match routine {
        Some(r) => format!("Pulse \"{}\".\n\n{}\n\n", r.name, r.instructions.trim()),
        None => "Pulse.\n\n".to_owned(),
    };
    text.push_str(&format!(
        "Look at the tasks assigned to you in the columns {}: use list_tasks, claim the most \
         important one you can work on with claim_task, move it with transition_task as you \
         progress, and leave a comment_task note of what you did.",
        columns.join(", ")
    ));
    if let Some(project) = &trigger.project_id {
        text.push_str(&format!(" Only project {project}."));
    }
    if !trigger.context.is_null() && trigger.context != serde_json::json!({}) {
        text.push_str(&format!("\n\nContext: {}", trigger.context));
    }
    text
}
