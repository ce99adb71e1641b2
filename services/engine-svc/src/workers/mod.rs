//! Workers: consumer-group handlers and background loops, each calling flows.
//!
//! Here: the run-request consumer, the run-end reports, the pulses, the admission sweep, the
//! runtime stream readers, the reconciler, lease heartbeats, and the chat consumer with its
//! take-over pass.

pub mod admission;
pub mod chat;
pub mod executor;
pub mod heartbeat;
pub mod pipeline_seed;
pub mod pulses;
pub mod reconciler;
pub mod reports;
pub mod requests;

use tokio_util::sync::CancellationToken;

use crate::AppState;

/// Starts the run workers (requests, reports, admission sweep); they stop with `shutdown`.
pub fn spawn(app: AppState, shutdown: CancellationToken) {
    let (a, s) = (app.clone(), shutdown.clone());
    tokio::spawn(async move {
        if let Err(err) = requests::run(a, s).await {
            tracing::error!(error = %err, "the engine request consumer stopped");
        }
    });
    let (a, s) = (app.clone(), shutdown.clone());
    tokio::spawn(async move {
        if let Err(err) = reports::run(a, s).await {
            tracing::error!(error = %err, "the run report consumer stopped");
        }
    });
    let (a, s) = (app.clone(), shutdown.clone());
    tokio::spawn(async move {
        if let Err(err) = pulses::run(a, s).await {
            tracing::error!(error = %err, "the pulse consumer stopped");
        }
    });
    tokio::spawn(admission::run(app, shutdown));
}
