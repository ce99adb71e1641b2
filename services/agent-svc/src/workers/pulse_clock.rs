//! Ticks the pulse clock (flows::pulse_clock) every `PULSE_CLOCK_TICK_SECS` (30 by default).

use std::time::Duration;

use chrono::DateTime;
use kit::Platform;
use tokio_util::sync::CancellationToken;

use crate::flows::pulse_clock;

pub async fn run(platform: Platform, every: Duration, shutdown: CancellationToken) {
    loop {
        let now = DateTime::from_timestamp_millis(platform.clock.now_ms()).unwrap_or_default();
        match pulse_clock::tick(&platform, now).await {
            Ok(0) => {}
            Ok(fired) => tracing::info!(fired, "scheduled pulses fired"),
            Err(err) => tracing::warn!(error = %err, "pulse clock tick failed; next tick retries"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
