//! An agent's pulse settings as the pulse endpoints see them: views of, and changes to, the
//! `pulse*` keys of its typed config (contract §7), plus the tenant's list of schedules.

use chrono::{DateTime, Utc};
use kit::error::FieldError;

use crate::domain::agent_config::{
    AgentRuntimeConfig, Blackout, DEFAULT_PULSE_CONTAINER_TIMEOUT_MS,
    DEFAULT_PULSE_INTERVAL_MINUTES,
};
use crate::domain::pulse_routines::{MAX_ONE_OFFS, RoutineSpec, one_off_time};
use crate::domain::pulse_schedule::{Scheduled, agent_plan, format_instant, parse_instant};
use crate::domain::validate::err;

pub const DEFAULT_MAX_CONSECUTIVE_SKIPS: u32 = 5;

/// The schedule keys of a config with their defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleView {
    pub enabled: bool,
    pub interval_minutes: u32,
    pub offset_minutes: u32,
    pub blackouts: Vec<Blackout>,
    pub one_offs: Vec<String>,
    pub max_consecutive_skips: u32,
    pub timeout_ms: u64,
}

impl From<&AgentRuntimeConfig> for ScheduleView {
    fn from(c: &AgentRuntimeConfig) -> Self {
        Self {
            enabled: c.pulse_enabled.unwrap_or(false),
            interval_minutes: c
                .pulse_interval_minutes
                .unwrap_or(DEFAULT_PULSE_INTERVAL_MINUTES),
            offset_minutes: c.pulse_offset_minutes.unwrap_or(0),
            blackouts: c.pulse_blackouts.clone().unwrap_or_default(),
            one_offs: c.pulse_one_offs.clone().unwrap_or_default(),
            max_consecutive_skips: c
                .pulse_max_consecutive_skips
                .unwrap_or(DEFAULT_MAX_CONSECUTIVE_SKIPS),
            timeout_ms: c
                .pulse_container_timeout_ms
                .unwrap_or(DEFAULT_PULSE_CONTAINER_TIMEOUT_MS),
        }
    }
}

/// `config` with `patch` applied, if the result is valid. Errors name the config keys as the
/// pulse endpoints spell them (`intervalMinutes`, `blackouts[0].startTime`).
pub fn apply(
    config: &AgentRuntimeConfig,
    patch: &AgentRuntimeConfig,
    rename: &[(&str, &str)],
) -> Result<AgentRuntimeConfig, Vec<FieldError>> {
    let merged = config.merged(patch);
    let mut errors = Vec::new();
    merged.validate(&mut errors);
    if errors.is_empty() {
        return Ok(merged);
    }
    for e in &mut errors {
        if let Some((from, to)) = rename.iter().find(|(from, _)| e.path.starts_with(from)) {
            e.path = format!("{to}{}", &e.path[from.len()..]);
        }
    }
    Err(errors)
}

/// How `PUT /pulses/.../schedule` names the config keys.
pub const SCHEDULE_NAMES: [(&str, &str); 4] = [
    ("pulseEnabled", "enabled"),
    ("pulseIntervalMinutes", "intervalMinutes"),
    ("pulseOffsetMinutes", "offsetMinutes"),
    ("pulseBlackouts", "blackouts"),
];

/// How `PUT /pulse/config` names them (the interval is given in milliseconds there).
pub const PULSE_CONFIG_NAMES: [(&str, &str); 3] = [
    ("pulseEnabled", "enabled"),
    ("pulseIntervalMinutes", "intervalMs"),
    ("pulseOffsetMinutes", "intervalMs"),
];

/// `intervalMs` of `PUT /pulse/config`: whole minutes only, since schedules are per minute.
pub fn interval_from_ms(ms: u64) -> Result<u32, FieldError> {
    if ms == 0 || !ms.is_multiple_of(60_000) {
        return Err(err(
            "intervalMs",
            "must be a whole number of minutes (n × 60000)",
        ));
    }
    u32::try_from(ms / 60_000).map_err(|_| err("intervalMs", "must be between 1 and 1440 minutes"))
}

pub fn timeout_ms(ms: u64) -> Result<u64, FieldError> {
    if (1_000..=3_600_000).contains(&ms) {
        Ok(ms)
    } else {
        Err(err("timeoutMs", "must be between 1000 and 3600000"))
    }
}

/// Adds a one-off (canonical UTC spelling, no duplicates) and drops those already past.
/// Returns the stored spelling.
pub fn add_one_off(
    config: &mut AgentRuntimeConfig,
    time: &str,
    now: DateTime<Utc>,
) -> Result<String, FieldError> {
    let at = one_off_time(time, now).map_err(|reason| err("time", reason))?;
    let mut list: Vec<DateTime<Utc>> = future_one_offs(config, now);
    if !list.contains(&at) {
        if list.len() >= MAX_ONE_OFFS {
            return Err(err("time", "an agent may have at most 100 one-off pulses"));
        }
        list.push(at);
    }
    list.sort_unstable();
    config.pulse_one_offs = Some(list.into_iter().map(format_instant).collect());
    Ok(format_instant(at))
}

/// Removes the one-off at the same instant as `time` (any RFC 3339 spelling of it).
/// `Ok(false)` when there is none.
pub fn remove_one_off(config: &mut AgentRuntimeConfig, time: &str) -> Result<bool, FieldError> {
    let at = parse_instant(time).ok_or_else(|| {
        err(
            "timestamp",
            "must be an RFC 3339 time such as 2026-01-31T09:00:00Z",
        )
    })?;
    let list = config.pulse_one_offs.take().unwrap_or_default();
    let before = list.len();
    let kept: Vec<String> = list
        .into_iter()
        .filter(|s| parse_instant(s) != Some(at))
        .collect();
    let removed = kept.len() != before;
    config.pulse_one_offs = Some(kept);
    Ok(removed)
}

fn future_one_offs(config: &AgentRuntimeConfig, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    config
        .pulse_one_offs
        .iter()
        .flatten()
        .filter_map(|s| parse_instant(s))
        .filter(|t| *t > now)
        .collect()
}

/// An agent as the timeline needs it.
pub struct AgentPulses<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub config: AgentRuntimeConfig,
}

/// A routine as the timeline needs it.
pub struct RoutinePulses<'a> {
    pub agent_id: &'a str,
    pub id: &'a str,
    pub spec: &'a RoutineSpec,
}

/// Every schedule that fires: each pulse-enabled agent's own, and each enabled routine of a
/// pulse-enabled agent (the agent's switch and blackouts govern its routines too).
pub fn tenant_schedules(
    agents: &[AgentPulses<'_>],
    routines: &[RoutinePulses<'_>],
    now: DateTime<Utc>,
) -> Vec<Scheduled> {
    let mut out = Vec::new();
    for agent in agents {
        let Some(plan) = agent_plan(&agent.config) else {
            continue;
        };
        out.push(Scheduled {
            agent_id: agent.id.to_owned(),
            agent_name: agent.name.to_owned(),
            routine_id: None,
            routine_name: None,
            plan,
        });
        let quiet = agent.config.pulse_blackouts.as_deref().unwrap_or_default();
        for r in routines
            .iter()
            .filter(|r| r.agent_id == agent.id && r.spec.enabled)
        {
            out.push(Scheduled {
                agent_id: agent.id.to_owned(),
                agent_name: agent.name.to_owned(),
                routine_id: Some(r.id.to_owned()),
                routine_name: Some(r.spec.name.clone()),
                plan: r.spec.plan(quiet, now),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn schedule_errors_use_the_endpoint_names() {
        let patch = AgentRuntimeConfig {
            pulse_interval_minutes: Some(10),
            pulse_offset_minutes: Some(10),
            ..Default::default()
        };
        let errors = apply(&AgentRuntimeConfig::default(), &patch, &SCHEDULE_NAMES)
            .expect_err("offset not below interval");
        assert_eq!(errors[0].path, "offsetMinutes");
    }

    #[test]
    fn one_offs_are_canonical_unique_and_removable_by_any_spelling() {
        let now = parse_instant("2026-03-01T00:00:00Z").expect("now");
        let mut c = AgentRuntimeConfig {
            pulse_one_offs: Some(vec!["2026-02-01T00:00:00Z".into()]),
            ..Default::default()
        };
        let stored = add_one_off(&mut c, "2026-03-02T10:00:00+02:00", now).expect("added");
        assert_eq!(stored, "2026-03-02T08:00:00Z");
        add_one_off(&mut c, "2026-03-02T08:00:00Z", now).expect("again");
        assert_eq!(
            c.pulse_one_offs,
            Some(vec![stored.clone()]),
            "past one dropped"
        );
        assert_eq!(
            add_one_off(&mut c, "2026-02-28T00:00:00Z", now).map_err(|e| e.message),
            Err("must be in the future".to_owned())
        );
        let far = format_instant(now + Duration::days(400));
        assert!(add_one_off(&mut c, &far, now).is_err());
        assert_eq!(
            remove_one_off(&mut c, "2026-03-02T09:00:00+01:00"),
            Ok(true)
        );
        assert_eq!(
            remove_one_off(&mut c, "2026-03-02T09:00:00+01:00"),
            Ok(false)
        );
        assert!(remove_one_off(&mut c, "yesterday").is_err());
    }

    #[test]
    fn intervals_in_ms_must_be_whole_minutes() {
        assert_eq!(interval_from_ms(1_800_000).ok(), Some(30));
        assert!(interval_from_ms(90_000).is_err());
        assert!(interval_from_ms(0).is_err());
    }
}
