//! The time a service reads: `platform.clock`, so tests move time instead of sleeping.
//!
//! Flows read `now` once from the clock and pass it down (`store::x::insert(&mut tx, &new, now)`,
//! `domain::lockout::remaining(deadline, now)`), so domain rules stay pure and a test that
//! advances the clock sees every deadline move with it: lockouts, token and code expiry, grace
//! windows, TOTP steps. A deadline kept in Redis holds the instant as its value (epoch
//! milliseconds from the clock) and uses the key's TTL only to clean up, so the check is
//! `deadline > clock.now_ms()` and not "does the key still exist".
//!
//! The clock is wall time only. It does not drive `tokio::time` (timeouts, intervals, sleeps) or
//! the expiry of JWTs, which jsonwebtoken checks against the system clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall-clock time as the platform stores it: epoch milliseconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Whole seconds since the Unix epoch (TOTP steps, Redis windows).
    fn now_secs(&self) -> u64 {
        u64::try_from(self.now_ms().div_euclid(1000)).unwrap_or(0)
    }

    /// The time left until `deadline_ms`, or `None` once it has passed.
    fn remaining(&self, deadline_ms: i64) -> Option<Duration> {
        let left = deadline_ms.saturating_sub(self.now_ms());
        (left > 0).then(|| Duration::from_millis(left.unsigned_abs()))
    }

    /// `now + after` in epoch milliseconds, saturating.
    fn deadline(&self, after: Duration) -> i64 {
        self.now_ms()
            .saturating_add(i64::try_from(after.as_millis()).unwrap_or(i64::MAX))
    }
}

/// The system's clock, what every service runs with.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        system_now_ms()
    }
}

fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

#[cfg(feature = "test-utils")]
pub use manual::ManualClock;

#[cfg(feature = "test-utils")]
mod manual {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    use super::{Clock, system_now_ms};

    /// Marks a running clock in `frozen_at`.
    const RUNNING: i64 = i64::MIN;

    /// A clock a test moves. It starts running with the system clock (so code that expects time
    /// to pass between two requests still sees it pass) and `advance` jumps it forward; `freeze`
    /// or `set` make it stand still for tests that need an exact instant (a TOTP step). Clones
    /// share one time: hand a clone to the service and keep one in the test.
    #[derive(Debug, Clone)]
    pub struct ManualClock {
        offset_ms: Arc<AtomicI64>,
        frozen_at: Arc<AtomicI64>,
    }

    impl Default for ManualClock {
        fn default() -> Self {
            Self::new()
        }
    }

    impl ManualClock {
        /// Runs with the system clock until moved.
        pub fn new() -> Self {
            Self {
                offset_ms: Arc::new(AtomicI64::new(0)),
                frozen_at: Arc::new(AtomicI64::new(RUNNING)),
            }
        }

        /// Stands still at `epoch_ms`.
        pub fn frozen_at(epoch_ms: i64) -> Self {
            let clock = Self::new();
            clock.set(epoch_ms);
            clock
        }

        /// Moves time forward by `by` (a frozen clock stays frozen, later).
        pub fn advance(&self, by: Duration) {
            let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            let frozen = self.frozen_at.load(Ordering::SeqCst);
            if frozen == RUNNING {
                self.offset_ms.fetch_add(ms, Ordering::SeqCst);
            } else {
                self.frozen_at
                    .store(frozen.saturating_add(ms), Ordering::SeqCst);
            }
        }

        /// Stops the clock where it is.
        pub fn freeze(&self) {
            self.set(self.now_ms());
        }

        /// Stops the clock at `epoch_ms`.
        pub fn set(&self, epoch_ms: i64) {
            self.frozen_at
                .store(epoch_ms.max(RUNNING + 1), Ordering::SeqCst);
        }

        /// Lets a frozen clock run again from where it stands.
        pub fn resume(&self) {
            let frozen = self.frozen_at.swap(RUNNING, Ordering::SeqCst);
            if frozen != RUNNING {
                self.offset_ms
                    .store(frozen.saturating_sub(system_now_ms()), Ordering::SeqCst);
            }
        }
    }

    impl Clock for ManualClock {
        fn now_ms(&self) -> i64 {
            let frozen = self.frozen_at.load(Ordering::SeqCst);
            if frozen == RUNNING {
                system_now_ms().saturating_add(self.offset_ms.load(Ordering::SeqCst))
            } else {
                frozen
            }
        }
    }
}

#[cfg(all(test, feature = "test-utils"))]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_runs_with_the_system_until_moved() {
        let clock = ManualClock::new();
        let drift = (clock.now_ms() - SystemClock.now_ms()).abs();
        assert!(drift < 1000, "{drift}");
        let shared = clock.clone();
        shared.advance(Duration::from_secs(90));
        let ahead = clock.now_ms() - SystemClock.now_ms();
        assert!((89_000..91_000).contains(&ahead), "{ahead}");
    }

    #[test]
    fn a_frozen_clock_stands_still_and_moves_only_when_told() {
        let clock = ManualClock::frozen_at(1_700_000_000_500);
        assert_eq!(clock.now_ms(), 1_700_000_000_500);
        assert_eq!(clock.now_secs(), 1_700_000_000);
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now_ms(), 1_700_000_002_000);
        clock.resume();
        assert!(clock.now_ms() >= 1_700_000_002_000);
        assert!(clock.now_ms() < 1_700_000_003_000);
    }

    #[test]
    fn deadlines_and_what_remains_of_them() {
        let clock = ManualClock::frozen_at(10_000);
        let deadline = clock.deadline(Duration::from_secs(30));
        assert_eq!(deadline, 40_000);
        assert_eq!(clock.remaining(deadline), Some(Duration::from_secs(30)));
        clock.advance(Duration::from_secs(30));
        assert_eq!(clock.remaining(deadline), None);
    }
}
