//! The admission sweep: every `RUN_SWEEP_SECS` it renews the slots of running and paused runs
//! (whichever replica started them) and admits queued runs of every tenant that has some, so a
//! slot freed by an expired lease (a dead replica) or a missed end is used without a request.

use std::time::Duration;

use kit::ApiError;
use kit::db::LookupTx;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::flows::runs::{admission, slots};
use crate::store;

/// The `app.scope` under which the sweep reads runs across tenants (policy `engine_sweep`).
pub const SCOPE: &str = "engine-sweep";

pub async fn run(app: AppState, shutdown: CancellationToken) {
    let every = Duration::from_secs(app.config.run_sweep_secs);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        if let Err(err) = sweep(&app).await {
            tracing::warn!(error = %err, "admission sweep failed; next round retries");
        }
    }
}

/// One round; returns how many runs it started.
pub async fn sweep(app: &AppState) -> Result<usize, ApiError> {
    let mut look = LookupTx::begin(app.platform.db.pool(), "app.scope", SCOPE).await?;
    let running = store::runtime_sweep::all_running(&mut look).await?;
    let waiting = store::runtime_sweep::tenants_with(&mut look, "queued").await?;
    look.commit().await?;
    let lease = admission::lease_ms(app);
    for (tenant, run) in &running {
        slots::renew(&app.platform, tenant, run, lease).await?;
    }
    let mut started = 0;
    for tenant in &waiting {
        started += admission::admit(app, tenant).await?;
    }
    Ok(started)
}
