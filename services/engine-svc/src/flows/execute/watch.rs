//! Watching a running attempt in Postgres: once it is no longer running under the fence this
//! replica claimed it with (the run was cancelled or restarted, the step restarted, or the
//! attempt failed over), its runtime must stop now, not when the step would have ended.

use std::time::Duration;

use kit::ApiError;
use kit::db::TenantTx;

use super::Attempt;
use crate::AppState;
use crate::store;

/// How often a running attempt is looked at.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// Returns once attempt `a` is no longer running under `fence`. A database error is not taken
/// as an end.
pub async fn until_taken_away(app: &AppState, a: &Attempt, fence: i64) {
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        match attempt_row(app, a).await {
            Ok(Some(row)) if row.status == "running" && row.fence == Some(fence) => {}
            Ok(_) => return,
            Err(err) => {
                tracing::debug!(run = %a.run, error = %err, "could not look at a running attempt");
            }
        }
    }
}

async fn attempt_row(
    app: &AppState,
    a: &Attempt,
) -> Result<Option<store::attempts::AttemptRow>, ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), &a.tenant).await?;
    let row = store::attempts::get(&mut tx, a.run.as_str(), a.step.as_str(), a.attempt).await?;
    tx.commit().await?;
    Ok(row)
}
