//! The step-level half of the reconciler (spec §3.8.3B): an attempt whose runtime vanished
//! (crashed, never started, or its owner replica died) fails with the reason, and the usual
//! retry rules decide between another attempt and a failed run. Delivered at least once: an
//! attempt that is no longer current (or was never begun) is left alone.

use async_trait::async_trait;
use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::flows::steps::{self, Finished, StepResult};
use crate::runtimes::reconcile::{OnVanished, VanishReason, VanishedRuntime};
use crate::store;

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
                "the engine instance {} running the step stopped",
                v.instance
            ),
        };
        vanished(&self.0, &v.tenant, v.run.as_str(), step, attempt, &why)
            .await
            .map(drop)
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
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
