//! SIGTERM for runtimes: [`Runtimes::drain`].

use std::sync::PoisonError;
use std::time::Duration;

use super::registry::status;
use super::{RuntimeStatus, Runtimes, now_ms};

impl Runtimes {
    /// SIGTERM: start nothing new, wait until the runtimes of this instance have ended or been
    /// stopped by their flows, at most `grace`, then stop the rest and hand their steps back
    /// (entries marked `handed-back`; the other replicas' reconcilers retry the steps once this
    /// instance's liveness key is gone).
    pub async fn drain(&self, grace: Duration) {
        self.draining.cancel();
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let mut running = 0;
            for handle in self.handles() {
                if matches!(
                    self.backend.status(&handle).await,
                    Ok(RuntimeStatus::Running)
                ) {
                    running += 1;
                }
            }
            if running == 0 || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for handle in self.handles() {
            let ended = self.backend.stop(&handle, self.config.stop_grace()).await;
            tracing::info!(run = %handle.run, ended = ?ended, "runtime stopped at shutdown");
            let fields = [
                ("status", status::HANDED_BACK.to_owned()),
                ("exitedAt", now_ms().to_string()),
            ];
            if let Err(err) = self
                .registry
                .set_if_owner(&handle.run, self.instance_id(), &fields)
                .await
            {
                tracing::warn!(run = %handle.run, error = %err, "could not hand a runtime back");
            }
            self.drop_run_user(&handle.run).await;
            self.backend.forget(&handle).await;
            self.active
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&handle.run);
        }
    }
}
