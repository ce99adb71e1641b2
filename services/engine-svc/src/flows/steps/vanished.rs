//! The step-level half of the reconciler (spec §3.8.3B): an attempt whose runtime vanished
//! (crashed, never started, or its owner replica died) fails with the reason, and the usual
//! retry rules decide between another attempt and a failed run. Delivered at least once: an
//! attempt that is no longer current (or was never begun) is left alone.

use async_trait::async_trait;
use kit::ApiError;
use std::collections::HashMap;

use kit::db::{LookupTx, TenantTx};
use shared_schemas::ids::{RunId, TenantId};

use crate::AppState;
use crate::flows::steps::{self, Finished, StepResult};
use crate::runtimes::Runtimes;
use crate::runtimes::reconcile::{OnVanished, VanishReason, VanishedRuntime};
use crate::store;
use crate::store::runtime_sweep;

/// Hands each vanished runtime to [`vanished`].
pub struct RetryVanished(pub AppState);

#[async_trait]
impl OnVanished for RetryVanished {
    async fn runtime_vanished(&self, v: &VanishedRuntime) -> anyhow::Result<()> {
        let (Some(step), Some(attempt)) = (&v.step_id, v.attempt) else {
            return Ok(());
        };
        let why = match v.reason {
            VanishReason::Exited(code) => format!("the runtime exited with code {code}"),
            VanishReason::Gone => "the runtime was lost".to_owned(),
            VanishReason::OwnerGone => format!(
                "the engine instance running the step stopped ({})",
                v.instance
            ),
        };
        vanished(&self.0, &v.tenant, v.run.as_str(), step, attempt, &why)
            .await
            .map(drop)
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    async fn sweep(&self, rt: &Runtimes) -> anyhow::Result<()> {
        sweep_dead_owners(&self.0, rt).await.map(drop)
    }
}

/// Fails over the running attempts whose engine instance has no liveness key and whose run has
/// no registry entry: the instance died between claiming the attempt and registering its
/// runtime, so the reconciler's pass over the registry never sees them. Attempts with an entry
/// are the reconciler's (it stops the dead owner's runtime first). How many were failed over.
pub async fn sweep_dead_owners(app: &AppState, rt: &Runtimes) -> anyhow::Result<usize> {
    let (setting, value) = runtime_sweep::SCOPE;
    let mut tx = LookupTx::begin(app.platform.db.pool(), setting, value).await?;
    let running = runtime_sweep::running_attempts(&mut tx).await?;
    tx.commit().await?;
    let mut alive: HashMap<String, bool> = HashMap::new();
    let mut failed = 0;
    for a in running {
        if a.instance_id == rt.instance_id() {
            continue;
        }
        let live = match alive.get(&a.instance_id) {
            Some(live) => *live,
            None => {
                let live = rt.liveness().is_alive(&a.instance_id).await?;
                alive.insert(a.instance_id.clone(), live);
                live
            }
        };
        if live {
            continue;
        }
        let (Ok(tenant), Ok(run)) = (TenantId::parse(a.tenant_id), RunId::parse(a.run_id)) else {
            continue;
        };
        if rt.registry().get(&run).await?.is_some() {
            continue;
        }
        let why = format!(
            "the engine instance {} that claimed the step stopped before its runtime started",
            a.instance_id
        );
        let done = vanished(app, &tenant, run.as_str(), &a.step_id, a.attempt, &why)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if done != Finished::Stale {
            tracing::warn!(run = %run, step = a.step_id, attempt = a.attempt,
                instance = a.instance_id, "failed over an attempt of a dead engine instance");
            failed += 1;
        }
    }
    Ok(failed)
}

/// Fails the running attempt `attempt` of `step` with `why` (under the fence it was begun
/// with); `Stale` when that attempt is not running any more.
pub async fn vanished(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    step: &str,
    attempt: i32,
    why: &str,
) -> Result<Finished, ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let key = store::attempts::Key { run, step, attempt };
    let held = store::attempts::lock(&mut tx, key.run, key.step, key.attempt).await?;
    tx.commit().await?;
    let Some(fence) = held.filter(|a| a.status == "running").and_then(|a| a.fence) else {
        return Ok(Finished::Stale);
    };
    let result = StepResult {
        success: false,
        error: Some(format!("Container execution failed: {why}")),
        ..StepResult::default()
    };
    steps::report(app, tenant, run, step, attempt, fence, result).await
}
