//! Republishes the status of every non-active tenant to Redis on start-up and then periodically,
//! so a Redis flush (or a lost write) cannot silently lift a suspension: the database is the
//! truth, Redis the copy every service reads (kit::auth::status).

use std::time::Duration;

use kit::ApiError;
use kit::auth::status::{self, TenantState};
use kit::db::LookupTx;
use shared_schemas::ids::TenantId;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::store::tenants;

/// Writes the status of each non-active tenant; returns how many were written.
pub async fn republish(app: &AppState) -> Result<usize, ApiError> {
    let mut tx = LookupTx::begin(app.platform.db.pool(), "app.scope", "platform").await?;
    let all = tenants::list_all(&mut tx).await?;
    tx.commit().await?;
    let mut written = 0;
    for tenant in all.iter().filter(|t| t.status != "active") {
        let Some(state) = TenantState::parse(&tenant.status) else {
            continue;
        };
        let id = TenantId::parse(tenant.id.as_str()).map_err(ApiError::internal)?;
        status::publish(&app.platform, &id, state).await?;
        written += 1;
    }
    Ok(written)
}

/// Runs `republish` now and every `every` until `shutdown`.
pub fn spawn(app: AppState, every: Duration, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = tick.tick() => match republish(&app).await {
                    Ok(n) => tracing::debug!(tenants = n, "tenant statuses republished"),
                    Err(err) => tracing::warn!(error = %err, "tenant status republish failed"),
                },
            }
        }
    });
}
