//! Bodies of the `/v1/pulses/` endpoints (the reference's camelCase shapes).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::agent_config::Blackout;
use crate::domain::pulse_config::{self, AgentPulses, RoutinePulses, ScheduleView};
use crate::domain::pulse_schedule::{
    self, Conflict, Scheduled, Timeline, TimelinePulse, format_instant,
};
use crate::domain::validate::{err, finish};
use crate::store::agents::Agent;
use crate::store::pulse_routines::Routine;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseSchedule {
    pub enabled: bool,
    pub interval_minutes: u32,
    pub offset_minutes: u32,
    pub blackouts: Vec<Blackout>,
    pub one_offs: Vec<String>,
    pub max_consecutive_skips: u32,
}

impl From<&ScheduleView> for PulseSchedule {
    fn from(v: &ScheduleView) -> Self {
        Self {
            enabled: v.enabled,
            interval_minutes: v.interval_minutes,
            offset_minutes: v.offset_minutes,
            blackouts: v.blackouts.clone(),
            one_offs: v.one_offs.clone(),
            max_consecutive_skips: v.max_consecutive_skips,
        }
    }
}

/// One upcoming pulse.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledPulse {
    pub agent_id: String,
    pub agent_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routine_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routine_name: Option<String>,
    /// RFC 3339, UTC.
    pub time: String,
    /// The same instant in epoch milliseconds (the reference's field).
    pub scheduled_at: i64,
    /// `recurring`, `cron` or `one-off`.
    pub source: &'static str,
    pub status: &'static str,
}

fn scheduled(schedules: &[Scheduled], p: &TimelinePulse) -> Option<ScheduledPulse> {
    let s = schedules.get(p.schedule)?;
    Some(ScheduledPulse {
        agent_id: s.agent_id.clone(),
        agent_name: s.agent_name.clone(),
        routine_id: s.routine_id.clone(),
        routine_name: s.routine_name.clone(),
        time: format_instant(p.fire.at),
        scheduled_at: p.fire.at.timestamp_millis(),
        source: p.fire.source.as_str(),
        status: "scheduled",
    })
}

/// The first `limit` pulses of `schedules` in `(from, until]`.
pub fn pulse_list(
    schedules: &[Scheduled],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: usize,
) -> Vec<ScheduledPulse> {
    pulse_schedule::timeline(schedules, from, until)
        .pulses
        .iter()
        .take(limit)
        .filter_map(|p| scheduled(schedules, p))
        .collect()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseConflict {
    pub window_start: i64,
    pub window_end: i64,
    /// The first pulse of each agent in the window.
    pub agents: Vec<ScheduledPulse>,
    /// `warning` (2-3 agents) or `critical` (4 or more).
    pub severity: &'static str,
}

fn conflict(schedules: &[Scheduled], c: &Conflict) -> PulseConflict {
    PulseConflict {
        window_start: c.start.timestamp_millis(),
        window_end: c.end.timestamp_millis(),
        agents: c
            .pulses
            .iter()
            .filter_map(|p| scheduled(schedules, p))
            .collect(),
        severity: c.severity(),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelineSummary {
    pub total_pulses: usize,
    /// Pulses per agent id.
    pub by_agent: BTreeMap<String, usize>,
    pub conflict_count: usize,
    /// True when a schedule had more pulses in the window than one timeline lists (2000).
    pub truncated: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseTimeline {
    pub window_start: i64,
    pub window_end: i64,
    pub pulses: Vec<ScheduledPulse>,
    pub conflicts: Vec<PulseConflict>,
    pub summary: TimelineSummary,
}

impl PulseTimeline {
    pub fn new(
        schedules: &[Scheduled],
        t: &Timeline,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Self {
        Self {
            window_start: from.timestamp_millis(),
            window_end: until.timestamp_millis(),
            pulses: t
                .pulses
                .iter()
                .filter_map(|p| scheduled(schedules, p))
                .collect(),
            conflicts: t.conflicts.iter().map(|c| conflict(schedules, c)).collect(),
            summary: TimelineSummary {
                total_pulses: t.pulses.len(),
                by_agent: t.by_agent.clone(),
                conflict_count: t.conflicts.len(),
                truncated: t.truncated,
            },
        }
    }
}

/// The schedules of `agents` and of their routines.
pub fn agent_schedules<'a>(
    agents: impl Iterator<Item = &'a Agent>,
    routines: &[Routine],
    now: DateTime<Utc>,
) -> Vec<Scheduled> {
    let agents: Vec<AgentPulses<'_>> = agents
        .map(|a| AgentPulses {
            id: &a.id,
            name: &a.name,
            config: a.config(),
        })
        .collect();
    let routines: Vec<RoutinePulses<'_>> = routines
        .iter()
        .map(|r| RoutinePulses {
            agent_id: &r.agent_id,
            id: &r.id,
            spec: &r.spec,
        })
        .collect();
    pulse_config::tenant_schedules(&agents, &routines, now)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScheduleResponse {
    pub schedule: PulseSchedule,
    /// The next pulses of the agent and its routines (48 hours, at most 20).
    pub upcoming: Vec<ScheduledPulse>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScheduleUpdated {
    pub status: &'static str,
    pub schedule: PulseSchedule,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OneOffRequest {
    /// RFC 3339, e.g. `2026-01-31T09:00:00Z`.
    pub time: String,
}

impl Validate for OneOffRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.time.len() > 64 {
            errors.push(err("time", "must be an RFC 3339 time"));
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OneOffChanged {
    pub status: &'static str,
    pub time: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpreadChange {
    pub agent_id: String,
    pub old_offset: u32,
    pub new_offset: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpreadResponse {
    /// `updated`, or `no_agents` when no agent has pulses on.
    pub status: &'static str,
    /// Only the agents whose offset moved.
    pub changes: Vec<SpreadChange>,
    pub total_agents: usize,
}
