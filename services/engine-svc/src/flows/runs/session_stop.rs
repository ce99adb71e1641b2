//! `POST /v1/sessions/{id}/stop`: a pipeline step's session is its step's attempt, so stopping
//! it is cancelling the run the way `POST /v1/runs/{run}/cancel` does (the attempt cancelled
//! with STEP_CANCELLED, HUMAN_INTERVENTION `stop` for the executor to stop the runtime, the run
//! `cancelled`). Cancelling only the step would leave the run `running` with nothing queued: a
//! stall, which the monolith had and we do not copy.

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::flows::runs::{admission, control};
use crate::flows::steps::sessions::session_not_found;
use crate::store::{self, sessions::SessionRow};

fn not_running(session: &SessionRow) -> ApiError {
    ApiError::conflict(
        "session_not_running",
        format!(
            "the session is {}; only a running session stops",
            session.status
        ),
    )
}

fn is_running(session: &SessionRow) -> bool {
    matches!(session.status.as_str(), "starting" | "running")
}

/// Stops a running step session; returns the session as it ended (`cancelled`). 409
/// `session_not_running` once it has ended.
pub async fn stop(app: &AppState, tenant: &TenantId, id: &str) -> Result<SessionRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let session = store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    let run = match (&session.source_id, is_running(&session)) {
        (Some(run), true) if session.source == "pipeline" => run.clone(),
        _ => return Err(not_running(&session)),
    };
    // Lock the run, then look again: the attempt may have ended before the lock was ours.
    let locked = control::locked(&mut tx, &run).await?;
    let session = store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    if !is_running(&session) {
        return Err(not_running(&session));
    }
    control::cancel_locked(&mut tx, &locked, "stopped by a person", now).await?;
    let session = store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    tx.commit().await?;
    admission::after_end(app, tenant, &run).await;
    Ok(session)
}
