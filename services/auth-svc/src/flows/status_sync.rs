//! Republishes the status of every tenant to Redis on start-up and then periodically, so a Redis
//! flush (or a lost write) cannot silently lift a suspension, nor keep a reactivated tenant
//! suspended (review L8: `set_status` writes Redis after its commit, and that write can fail):
//! the database is the truth, Redis the copy every service reads (kit::auth::status). One
//! pipelined round trip per `CHUNK` tenants.

use std::time::Duration;

use kit::ApiError;
use kit::auth::status::TenantState;
use kit::db::LookupTx;
use shared_schemas::ids::TenantId;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::store::tenants;

const CHUNK: usize = 500;

/// Writes the status of every tenant; returns how many were written.
pub async fn republish(app: &AppState) -> Result<usize, ApiError> {
    let mut tx = LookupTx::begin(app.platform.db.pool(), "app.scope", "platform").await?;
    let all = tenants::list_all(&mut tx).await?;
    tx.commit().await?;
    let mut written = 0;
    for chunk in all.chunks(CHUNK) {
        let mut pipe = redis::pipe();
        for tenant in chunk {
            let Some(state) = TenantState::parse(&tenant.status) else {
                continue;
            };
            let id = TenantId::parse(tenant.id.as_str()).map_err(ApiError::internal)?;
            let key = app.platform.keys.tenant_status(&id);
            // Sealed like every status write: an unsealed copy would make every service refuse
            // this tenant's writes (kit::auth::status fails closed on what it cannot verify).
            let sealed = app.platform.seal.seal(&key, None, state.as_str());
            pipe.set(key, sealed).ignore();
            written += 1;
        }
        pipe.query_async::<()>(&mut app.platform.redis.clone())
            .await?;
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
