//! The reconciler: one pass at start, then every `RECONCILE_INTERVAL_SECS`
//! (see [`crate::runtimes::reconcile`]).

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::runtimes::Runtimes;
use crate::runtimes::reconcile::{OnVanished, reconcile_once};

pub async fn run(
    runtimes: Arc<Runtimes>,
    on_vanished: Arc<dyn OnVanished>,
    stop: CancellationToken,
) {
    let every = runtimes.config().reconcile_interval();
    loop {
        match reconcile_once(&runtimes, on_vanished.as_ref()).await {
            Ok(report) if report != Default::default() => {
                tracing::info!(?report, "runtime registry reconciled");
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "runtime reconciliation failed"),
        }
        if let Err(err) = on_vanished.sweep(&runtimes).await {
            tracing::warn!(error = %err, "the sweep of dead owners' attempts failed");
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}
