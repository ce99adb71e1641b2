//! One circuit breaker per target (scheme, host and port of a base URL).
//!
//! Closed: calls pass; `failures` consecutive failures open it. Open: calls fail fast until the
//! cooldown has passed. Then one call is let through as a probe (half-open): its success closes
//! the breaker, its failure opens it for another cooldown. Other calls fail fast while the probe
//! is in flight, so a recovering service is not hit by the whole backlog at once. A probe that
//! never reports (its caller gave up and dropped the call) is replaced by a new one after
//! another cooldown, so the breaker cannot stay half-open for good.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A probe is in flight; another may go at `until` if it has not reported by then.
    HalfOpen {
        until: Instant,
    },
}

/// What a caller may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Pass,
    /// The breaker is open; try again after this long.
    Refused(Duration),
}

#[derive(Debug)]
pub struct Breakers {
    threshold: u32,
    cooldown: Duration,
    targets: Mutex<HashMap<String, State>>,
}

impl Breakers {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            targets: Mutex::new(HashMap::new()),
        }
    }

    pub fn admit(&self, target: &str) -> Admission {
        self.admit_at(target, Instant::now())
    }

    pub fn record(&self, target: &str, success: bool) {
        self.record_at(target, success, Instant::now());
    }

    fn admit_at(&self, target: &str, now: Instant) -> Admission {
        let mut targets = self.lock();
        let state = targets
            .entry(target.to_owned())
            .or_insert(State::Closed { failures: 0 });
        match *state {
            State::Closed { .. } => Admission::Pass,
            State::Open { until } | State::HalfOpen { until } if now >= until => {
                *state = State::HalfOpen {
                    until: now + self.cooldown,
                };
                Admission::Pass
            }
            // While open, and while the probe decides, everyone else fails fast.
            State::Open { until } | State::HalfOpen { until } => Admission::Refused(until - now),
        }
    }

    fn record_at(&self, target: &str, success: bool, now: Instant) {
        let mut targets = self.lock();
        let state = targets
            .entry(target.to_owned())
            .or_insert(State::Closed { failures: 0 });
        *state = match (*state, success) {
            (_, true) => State::Closed { failures: 0 },
            (State::Closed { failures }, false) if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            (State::Closed { .. } | State::HalfOpen { .. }, false) => {
                tracing::warn!(target_url = target, "circuit opened");
                State::Open {
                    until: now + self.cooldown,
                }
            }
            // A call admitted before the breaker opened failed late: the cooldown stands.
            (open @ State::Open { .. }, false) => open,
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, State>> {
        // A panic while holding this lock cannot leave a state half-written (each update is
        // one assignment), so a poisoned map is still sound.
        self.targets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "http://127.0.0.1:1";

    #[test]
    fn opens_after_threshold_and_probes_after_cooldown() {
        let b = Breakers::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..2 {
            assert_eq!(b.admit_at(T, t0), Admission::Pass);
            b.record_at(T, false, t0);
        }
        assert_eq!(b.admit_at(T, t0), Admission::Pass);
        b.record_at(T, false, t0);
        assert_eq!(
            b.admit_at(T, t0 + Duration::from_secs(4)),
            Admission::Refused(Duration::from_secs(6))
        );
        // After the cooldown one probe passes, the others wait for it.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(b.admit_at(T, later), Admission::Pass);
        assert!(matches!(b.admit_at(T, later), Admission::Refused(_)));
        b.record_at(T, true, later);
        assert_eq!(b.admit_at(T, later), Admission::Pass);
    }

    #[test]
    fn a_probe_that_never_reports_is_replaced_after_a_cooldown() {
        let b = Breakers::new(1, Duration::from_secs(2));
        let t0 = Instant::now();
        b.record_at(T, false, t0);
        let probe = t0 + Duration::from_secs(2);
        assert_eq!(b.admit_at(T, probe), Admission::Pass);
        assert_eq!(
            b.admit_at(T, probe + Duration::from_secs(1)),
            Admission::Refused(Duration::from_secs(1))
        );
        assert_eq!(
            b.admit_at(T, probe + Duration::from_secs(2)),
            Admission::Pass
        );
    }

    #[test]
    fn a_failed_probe_opens_again_and_success_resets_the_count() {
        let b = Breakers::new(2, Duration::from_secs(1));
        let t0 = Instant::now();
        b.record_at(T, false, t0);
        b.record_at(T, true, t0);
        b.record_at(T, false, t0);
        assert_eq!(b.admit_at(T, t0), Admission::Pass, "count was reset");
        b.record_at(T, false, t0);
        let probe = t0 + Duration::from_secs(1);
        assert_eq!(b.admit_at(T, probe), Admission::Pass);
        b.record_at(T, false, probe);
        assert_eq!(
            b.admit_at(T, probe),
            Admission::Refused(Duration::from_secs(1))
        );
        assert_eq!(b.admit_at("http://other:1", probe), Admission::Pass);
    }
}
