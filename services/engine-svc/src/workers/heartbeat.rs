//! This replica's liveness key, renewed every `INSTANCE_HEARTBEAT_SECS` until `stop`; removed
//! at a clean stop so the other replicas take over its runs at once.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::runtimes::Runtimes;

pub async fn run(runtimes: Arc<Runtimes>, stop: CancellationToken) {
    let every = runtimes.config().instance_heartbeat();
    let liveness = runtimes.liveness().clone();
    loop {
        if let Err(err) = liveness.beat().await {
            tracing::warn!(instance = liveness.instance(), error = %err, "instance heartbeat failed");
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
    if let Err(err) = liveness.retire().await {
        tracing::warn!(instance = liveness.instance(), error = %err, "could not remove the liveness key");
    }
}
