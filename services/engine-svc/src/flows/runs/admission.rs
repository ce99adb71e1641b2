//! Admission: a queued run starts when its tenant has a free run slot, oldest first. Tried
//! after every start request, after every run end and by the periodic sweep
//! (`workers::admission`), so a run never waits for a slot that is free.

use kit::ApiError;
use kit::auth::status::{self, Status, TenantState};
use kit::db::TenantTx;
use kit::outbox::append_for_run;
use shared_schemas::events::Event;
use shared_schemas::events::run_admin::{RunStatus, RunStatusChanged};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::domain::machine;
use crate::flows::runs::slots::{self, Slot};
use crate::flows::steps::effects::{self, Applied, run_id};
use crate::store;

/// Starts as many of the tenant's queued runs as its free slots allow; returns how many.
pub async fn admit(app: &AppState, tenant: &TenantId) -> Result<usize, ApiError> {
    if let Status::Known(TenantState::Suspended | TenantState::Deleted) =
        status::state(&app.platform, tenant).await
    {
        return Ok(0);
    }
    let limit = app
        .config
        .running_limit(app.agents.max_running_runs(tenant).await);
    let lease_ms = lease_ms(app);
    let mut started = 0;
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let queued = store::runs::queued(&mut tx, limit).await?;
    tx.commit().await?;
    for run in queued {
        let slot = slots::acquire(&app.platform, tenant, &run, limit, lease_ms).await?;
        if slot == Slot::Full {
            break;
        }
        match start_admitted(app, tenant, &run).await {
            Ok(Some(Applied::Continues)) => started += 1,
            Ok(Some(Applied::Ended)) => slots::release(&app.platform, tenant, &run).await?,
            // No longer queued: a slot this call took goes back; one the run already held is
            // its own (another replica started it).
            Ok(None) if slot == Slot::Added => slots::release(&app.platform, tenant, &run).await?,
            Ok(None) => {}
            Err(err) => {
                if slot == Slot::Added {
                    slots::release(&app.platform, tenant, &run).await?;
                }
                return Err(err);
            }
        }
    }
    Ok(started)
}

pub fn lease_ms(app: &AppState) -> i64 {
    i64::try_from(app.config.run_slot_lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// queued → running, and the first step queued; `None` when the run was not queued.
async fn start_admitted(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
) -> Result<Option<Applied>, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let Some(row) = store::runs::lock(&mut tx, run).await? else {
        return Ok(None);
    };
    if !store::runs::transition(&mut tx, run, &["queued"], "running", None, now).await? {
        return Ok(None);
    }
    let changed = RunStatusChanged {
        status: RunStatus::Running,
        active_runs: None,
    };
    append_for_run(&mut tx, &run_id(&row)?, Event::RunStatusChanged(changed)).await?;
    let mut row = row;
    row.status = "running".to_owned();
    let pipeline = effects::pipeline_of(&row)?;
    let applied = effects::decide(&mut tx, &row, &pipeline, now, machine::start).await?;
    tx.commit().await?;
    Ok(Some(applied))
}

/// After a run ended or left: its slot goes back and the tenant's next queued run may start.
pub async fn after_end(app: &AppState, tenant: &TenantId, run: &str) {
    if let Err(err) = slots::release(&app.platform, tenant, run).await {
        tracing::warn!(error = %err, run, "run slot not released; it frees when its lease passes");
    }
    if let Err(err) = admit(app, tenant).await {
        tracing::warn!(error = %err, tenant = %tenant, "admission after a run end failed; the sweep retries");
    }
}
