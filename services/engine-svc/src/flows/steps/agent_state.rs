//! `AGENT_STATE_CHANGED` as a step's runtime starts and stops working: the agent's activity and
//! fleet status in agent-svc (idle / working) and sse-relay's lifecycle stream come from it.
//! Appended in the transaction of the step's own transition, so it is exactly as durable.

use kit::ApiError;
use kit::db::TenantTx;
use kit::outbox::append_for_run;
use shared_schemas::events::Event;
use shared_schemas::events::run::AgentStateChanged;
use shared_schemas::ids::RunId;

use super::effects::step_id;
use crate::store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentState {
    Idle,
    Working,
}

impl AgentState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Working => "working",
        }
    }
}

/// The step's agent (`agt_` id) went to `state`; nothing for a step without a resolved agent.
pub async fn changed(
    tx: &mut TenantTx,
    run: &RunId,
    step: &str,
    agent_id: &str,
    state: AgentState,
) -> Result<(), ApiError> {
    if agent_id.is_empty() {
        return Ok(());
    }
    let previous = match state {
        AgentState::Working => AgentState::Idle,
        AgentState::Idle => AgentState::Working,
    };
    let event = AgentStateChanged {
        agent_id: agent_id.to_owned(),
        previous_state: previous.as_str().to_owned(),
        new_state: state.as_str().to_owned(),
        step_id: step_id(step)?,
    };
    append_for_run(tx, run, Event::AgentStateChanged(event)).await?;
    Ok(())
}

/// The running attempt of `step` ended (completed, failed or cancelled): its agent is idle.
/// Returns the agent's id (empty when the step had none).
pub async fn stopped(tx: &mut TenantTx, run: &RunId, step: &str) -> Result<String, ApiError> {
    let agent = store::steps::get(tx, run.as_str(), step)
        .await?
        .and_then(|row| row.agent_id)
        .unwrap_or_default();
    changed(tx, run, step, &agent, AgentState::Idle).await?;
    Ok(agent)
}
