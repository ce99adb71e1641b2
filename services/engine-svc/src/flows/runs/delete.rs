//! Deleting runs: the rows (steps, attempts, outputs and loop state go with them), the run's
//! sessions, its Redis streams and its slot; `RUN_DELETED` tells the executor to stop it.

use std::time::Duration;

use axum::http::StatusCode;
use kit::db::TenantTx;
use kit::outbox::{append, append_for_run};
use kit::{ApiError, Platform};
use shared_schemas::events::Event;
use shared_schemas::events::run_admin::{RunDeleted, RunsBulkDeleted};
use shared_schemas::ids::{RunId, TenantId};

use crate::AppState;
use crate::flows::runs::admission;
use crate::flows::runs::control::locked;
use crate::flows::steps::effects;
use crate::store;

pub async fn delete(app: &AppState, tenant: &TenantId, id: &str) -> Result<(), ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = locked(&mut tx, id).await?;
    effects::cancel_open(&mut tx, &run, None, "the run was deleted", now).await?;
    store::sessions::delete_of_run(&mut tx, id).await?;
    store::runs::delete(&mut tx, id).await?;
    append_for_run(
        &mut tx,
        &effects::run_id(&run)?,
        Event::RunDeleted(RunDeleted {}),
    )
    .await?;
    tx.commit().await?;
    purge_streams(&app.platform, tenant, &[id.to_owned()]).await;
    admission::after_end(app, tenant, id).await;
    Ok(())
}

/// Deletes the tenant's runs in `status` and/or created before `before` (epoch ms); one filter
/// at least (400 `filter_required`). Returns how many.
pub async fn delete_matching(
    app: &AppState,
    tenant: &TenantId,
    status: Option<&str>,
    before: Option<i64>,
) -> Result<usize, ApiError> {
    if status.is_none() && before.is_none() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "filter_required",
            "give status and/or before: deleting every run at once is refused",
        ));
    }
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let ids = store::runs::delete_matching(&mut tx, status, before).await?;
    for id in &ids {
        store::sessions::delete_of_run(&mut tx, id).await?;
    }
    if !ids.is_empty() {
        let run_ids = ids
            .iter()
            .map(|id| RunId::parse(id.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ApiError::internal)?;
        append(&mut tx, Event::RunsBulkDeleted(RunsBulkDeleted { run_ids })).await?;
    }
    tx.commit().await?;
    purge_streams(&app.platform, tenant, &ids).await;
    for id in &ids {
        if let Err(err) = crate::flows::runs::slots::release(&app.platform, tenant, id).await {
            tracing::warn!(error = %err, run = %id, "slot of a deleted run left to expire");
        }
    }
    if !ids.is_empty()
        && let Err(err) = admission::admit(app, tenant).await
    {
        tracing::warn!(error = %err, "admission failed; the sweep retries");
    }
    Ok(ids.len())
}

/// Removes the runs' event and log streams. The outbox relay publishes `RUN_DELETED` to the
/// run's stream just after the commit, so the removal is repeated a moment later.
pub async fn purge_streams(platform: &Platform, tenant: &TenantId, runs: &[String]) {
    let keys: Vec<String> = runs
        .iter()
        .filter_map(|r| RunId::parse(r.clone()).ok())
        .flat_map(|r| {
            [
                platform.keys.run_events(tenant, &r),
                platform.keys.run_logs(tenant, &r),
            ]
        })
        .collect();
    if keys.is_empty() {
        return;
    }
    del(platform, &keys).await;
    let later = platform.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        del(&later, &keys).await;
    });
}

async fn del(platform: &Platform, keys: &[String]) {
    let mut conn = platform.redis.clone();
    let done: Result<i64, _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
    if let Err(err) = done {
        tracing::warn!(error = %err, "run streams not removed");
    }
}
