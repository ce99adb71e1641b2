//! The lifecycle of activity sessions on the tenant stream (`SESSION_*`, through the outbox in
//! the transaction that changes the session row), for sse-relay's `/v1/events/sessions`.

use kit::ApiError;
use kit::db::TenantTx;
use kit::outbox::{append, append_for_run};
use serde_json::Value;
use shared_schemas::events::Event;
use shared_schemas::events::sessions::{SessionChanged, SessionEventAdded};
use shared_schemas::ids::RunId;

use crate::store::sessions::SessionRow;

/// What happened to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Status,
    /// `completed`, or `failed` / `cancelled` (by the status it ended with).
    Ended,
}

/// Appends the event of `change` for the session `id` of `agent` now in `status`; on the run's
/// stream too when the session belongs to one.
pub async fn changed(
    tx: &mut TenantTx,
    run: Option<&RunId>,
    change: Change,
    (id, agent): (&str, &str),
    status: &str,
    error: Option<&str>,
) -> Result<(), ApiError> {
    let payload = SessionChanged {
        session_id: id.to_owned(),
        agent_id: agent.to_owned(),
        status: status.to_owned(),
        error: error.map(str::to_owned),
    };
    let event = match (change, status) {
        (Change::Created, _) => Event::SessionCreated(payload),
        (Change::Ended, "completed") => Event::SessionCompleted(payload),
        (Change::Ended, "failed") => Event::SessionFailed(payload),
        _ => Event::SessionStatusChanged(payload),
    };
    emit(tx, run, event).await
}

/// [`changed`] for a session row as it is now.
pub async fn row_changed(
    tx: &mut TenantTx,
    change: Change,
    row: &SessionRow,
) -> Result<(), ApiError> {
    let run = run_of(row);
    let ids = (row.id.as_str(), row.agent_id.as_str());
    changed(tx, run.as_ref(), change, ids, &row.status, None).await
}

/// An event was added to the session's log.
pub async fn event_added(
    tx: &mut TenantTx,
    row: &SessionRow,
    event_type: &str,
    data: &Value,
) -> Result<(), ApiError> {
    let event = Event::SessionEvent(SessionEventAdded {
        session_id: row.id.clone(),
        agent_id: row.agent_id.clone(),
        event_type: event_type.to_owned(),
        data: data.clone(),
    });
    emit(tx, run_of(row).as_ref(), event).await
}

/// The run a session came from, when its source id is one.
fn run_of(row: &SessionRow) -> Option<RunId> {
    row.source_id
        .as_deref()
        .and_then(|id| RunId::parse(id.to_owned()).ok())
}

async fn emit(tx: &mut TenantTx, run: Option<&RunId>, event: Event) -> Result<(), ApiError> {
    match run {
        Some(run) => append_for_run(tx, run, event).await?,
        None => append(tx, event).await?,
    };
    Ok(())
}
