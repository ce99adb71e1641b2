//! When pulses fire: pure functions over a time window, no I/O and no clock (callers pass `now`).
//!
//! All times are UTC. An interval schedule fires at every whole minute `m` since the Unix epoch
//! with `(m - offset) % interval == 0`, so intervals dividing a day line up with midnight
//! (30 min + offset 5 → :05 and :35). A cron schedule fires when its expression matches.
//! Blackouts are daily `HH:MM`–`HH:MM` windows (wrapping past midnight when the end is earlier)
//! that silence scheduled pulses; one-offs are explicit and fire even inside a blackout, as in the
//! reference scheduler.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Timelike, Utc};

mod cron_expr;

pub use cron_expr::parse_cron;

use crate::domain::agent_config::{
    AgentRuntimeConfig, Blackout, DEFAULT_PULSE_INTERVAL_MINUTES, parse_clock,
};

/// Pulses of different agents closer than this compete for the same resources.
pub const CONFLICT_WINDOW_MS: i64 = 2 * 60 * 1000;
/// Most pulses one schedule adds to a timeline (an every-minute schedule over a week is 10 080).
pub const MAX_PER_SCHEDULE: usize = 2_000;
/// How far `next` looks: a yearly cron still has a next pulse.
const NEXT_HORIZON_DAYS: i64 = 400;

/// A daily window in minutes of the UTC day; `start > end` wraps past midnight, `start == end`
/// is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: u32,
    pub end: u32,
}

impl Window {
    /// None for times that are not `HH:MM` (validated on write, so only old rows).
    pub fn from_blackout(b: &Blackout) -> Option<Self> {
        Some(Self {
            start: parse_clock(&b.start_time)?,
            end: parse_clock(&b.end_time)?,
        })
    }

    pub fn contains_minute(self, minute: u32) -> bool {
        if self.start <= self.end {
            self.start <= minute && minute < self.end
        } else {
            minute >= self.start || minute < self.end
        }
    }

    pub fn contains(self, t: DateTime<Utc>) -> bool {
        self.contains_minute(minute_of_day(t))
    }

    /// The end of this window's occurrence that contains `t`.
    fn end_after(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let minute = minute_of_day(t);
        let midnight = t - Duration::seconds(i64::from(t.num_seconds_from_midnight()));
        let midnight = midnight - Duration::nanoseconds(i64::from(t.nanosecond()));
        let day = if self.end > minute {
            midnight
        } else {
            midnight + Duration::days(1)
        };
        day + Duration::minutes(i64::from(self.end))
    }
}

fn minute_of_day(t: DateTime<Utc>) -> u32 {
    t.hour() * 60 + t.minute()
}

/// How a schedule repeats.
#[derive(Debug, Clone)]
pub enum Recurrence {
    Every {
        interval: u32,
        offset: u32,
    },
    /// Boxed: a parsed schedule is large and most plans are intervals.
    Cron(Box<cron::Schedule>),
}

impl Recurrence {
    /// The first firing strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Every { interval, offset } => {
                let (interval, offset) = (i64::from((*interval).max(1)), i64::from(*offset));
                // Smallest whole minute whose instant lies after `t`, then up to the next slot.
                let first = t.timestamp().div_euclid(60) + 1;
                let slot = (first - offset + interval - 1).div_euclid(interval);
                DateTime::from_timestamp((slot * interval + offset) * 60, 0)
            }
            Self::Cron(schedule) => schedule.after(&t).next(),
        }
    }

    pub fn source(&self) -> PulseSource {
        match self {
            Self::Every { .. } => PulseSource::Recurring,
            Self::Cron(_) => PulseSource::Cron,
        }
    }
}

/// Why a pulse is in a list: its interval, its cron expression, or an explicit one-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PulseSource {
    Recurring,
    Cron,
    OneOff,
}

impl PulseSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recurring => "recurring",
            Self::Cron => "cron",
            Self::OneOff => "one-off",
        }
    }
}

/// Everything that decides when one schedule (an agent's or a routine's) fires.
#[derive(Debug, Clone)]
pub struct Plan {
    pub recurrence: Recurrence,
    pub blackouts: Vec<Window>,
    pub one_offs: Vec<DateTime<Utc>>,
}

/// One firing of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fire {
    pub at: DateTime<Utc>,
    pub source: PulseSource,
}

impl Plan {
    /// Blackouts and one-offs that do not parse are skipped (they are validated on write).
    pub fn new<'a>(
        recurrence: Recurrence,
        blackouts: impl IntoIterator<Item = &'a Blackout>,
        one_offs: &[String],
    ) -> Self {
        Self {
            recurrence,
            blackouts: blackouts
                .into_iter()
                .filter_map(Window::from_blackout)
                .collect(),
            one_offs: one_offs.iter().filter_map(|s| parse_instant(s)).collect(),
        }
    }

    pub fn blackout_at(&self, t: DateTime<Utc>) -> Option<Window> {
        self.blackouts.iter().copied().find(|w| w.contains(t))
    }

    /// Firings in `(from, until]`, earliest first, at most `limit`.
    pub fn upcoming(&self, from: DateTime<Utc>, until: DateTime<Utc>, limit: usize) -> Vec<Fire> {
        let source = self.recurrence.source();
        let mut out: Vec<Fire> = self
            .one_offs
            .iter()
            .filter(|t| **t > from && **t <= until)
            .map(|&at| Fire {
                at,
                source: PulseSource::OneOff,
            })
            .collect();
        let mut cursor = from;
        let mut scheduled = 0;
        while scheduled < limit {
            let Some(at) = self.recurrence.next_after(cursor) else {
                break;
            };
            if at > until {
                break;
            }
            if let Some(window) = self.blackout_at(at) {
                // Jump past the window instead of stepping through it slot by slot.
                cursor = window.end_after(at) - Duration::seconds(1);
                continue;
            }
            out.push(Fire { at, source });
            scheduled += 1;
            cursor = at;
        }
        out.sort_by_key(|f| (f.at, f.source));
        out.dedup();
        out.truncate(limit);
        out
    }

    pub fn next(&self, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let until = from + Duration::days(NEXT_HORIZON_DAYS);
        self.upcoming(from, until, 1).first().map(|f| f.at)
    }
}

/// An RFC 3339 instant in UTC.
pub fn parse_instant(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The canonical spelling of a stored one-off (`2026-01-31T09:00:00Z`).
pub fn format_instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// An agent's own schedule, or None when its pulses are off.
pub fn agent_plan(config: &AgentRuntimeConfig) -> Option<Plan> {
    if !config.pulse_enabled.unwrap_or(false) {
        return None;
    }
    let interval = config
        .pulse_interval_minutes
        .unwrap_or(DEFAULT_PULSE_INTERVAL_MINUTES);
    let recurrence = Recurrence::Every {
        interval,
        offset: config.pulse_offset_minutes.unwrap_or(0) % interval.max(1),
    };
    Some(Plan::new(
        recurrence,
        config.pulse_blackouts.iter().flatten(),
        config.pulse_one_offs.as_deref().unwrap_or_default(),
    ))
}

/// One schedule on a tenant's timeline.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub agent_id: String,
    pub agent_name: String,
    pub routine_id: Option<String>,
    pub routine_name: Option<String>,
    pub plan: Plan,
}

/// One pulse on a timeline: which schedule (by index into the input) and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelinePulse {
    pub schedule: usize,
    pub fire: Fire,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub pulses: Vec<TimelinePulse>,
    pub conflicts: Vec<Conflict>,
    /// Pulses per agent id.
    pub by_agent: BTreeMap<String, usize>,
    /// Whether some schedule had more than [`MAX_PER_SCHEDULE`] pulses in the window.
    pub truncated: bool,
}

/// Every pulse of every schedule in `(from, until]`, earliest first, and their conflicts.
pub fn timeline(schedules: &[Scheduled], from: DateTime<Utc>, until: DateTime<Utc>) -> Timeline {
    let mut pulses = Vec::new();
    let mut by_agent: BTreeMap<String, usize> = BTreeMap::new();
    let mut truncated = false;
    for (index, s) in schedules.iter().enumerate() {
        let fires = s.plan.upcoming(from, until, MAX_PER_SCHEDULE + 1);
        truncated |= fires.len() > MAX_PER_SCHEDULE;
        let fires = &fires[..fires.len().min(MAX_PER_SCHEDULE)];
        *by_agent.entry(s.agent_id.clone()).or_default() += fires.len();
        pulses.extend(fires.iter().map(|&fire| TimelinePulse {
            schedule: index,
            fire,
        }));
    }
    pulses.sort_by_key(|p| (p.fire.at, p.schedule));
    let agents: Vec<&str> = schedules.iter().map(|s| s.agent_id.as_str()).collect();
    let conflicts = conflicts(&pulses, &agents, CONFLICT_WINDOW_MS);
    Timeline {
        pulses,
        conflicts,
        by_agent,
        truncated,
    }
}

/// Pulses of at least two different agents within `window_ms` of the first of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The first pulse of each agent in the window.
    pub pulses: Vec<TimelinePulse>,
}

impl Conflict {
    /// `critical` from four agents on, as in the reference.
    pub fn severity(&self) -> &'static str {
        if self.pulses.len() >= 4 {
            "critical"
        } else {
            "warning"
        }
    }
}

/// Sweeps the sorted `pulses`: each window starts at the first pulse not yet in a conflict, so
/// windows never overlap and one crowded minute is reported once. `agents[p.schedule]` is the
/// agent of a pulse (an agent's own routines do not conflict with each other).
pub fn conflicts(pulses: &[TimelinePulse], agents: &[&str], window_ms: i64) -> Vec<Conflict> {
    let agent_of = |p: &TimelinePulse| agents.get(p.schedule).copied().unwrap_or_default();
    let mut out = Vec::new();
    let mut i = 0;
    while i < pulses.len() {
        let start = pulses[i].fire.at;
        let end = start + Duration::milliseconds(window_ms);
        let j = i + pulses[i..].iter().take_while(|p| p.fire.at < end).count();
        let mut firsts: Vec<TimelinePulse> = Vec::new();
        for p in &pulses[i..j] {
            if !firsts.iter().any(|f| agent_of(f) == agent_of(p)) {
                firsts.push(*p);
            }
        }
        if firsts.len() >= 2 {
            out.push(Conflict {
                start,
                end,
                pulses: firsts,
            });
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// New offsets that spread `intervals.len()` agents (in a stable order) evenly over their
/// intervals: agent `i` of `n` gets `i * interval / n`. With one shared interval `I` and
/// `n <= I` the offsets are pairwise distinct; every offset stays below its interval.
pub fn auto_spread(intervals: &[u32]) -> Vec<u32> {
    let n = intervals.len() as u64;
    intervals
        .iter()
        .enumerate()
        .map(|(i, &interval)| {
            let offset = (i as u64) * u64::from(interval.max(1)) / n.max(1);
            u32::try_from(offset).unwrap_or(0)
        })
        .collect()
}

#[cfg(test)]
mod tests;
