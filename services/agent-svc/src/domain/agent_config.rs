//! The typed `config.yml` of an agent (contract §7), stored as JSON in `agents.config_json`.
//!
//! Keys are camelCase on the wire; the reference's snake_case spellings are accepted as aliases.
//! Unknown keys are refused, so a typo never silently does nothing.

use kit::error::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::validate::{MAX_SHORT, err};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ThinkingLevel {
    Off,
    Minimal,
    Low,
    Medium,
    High,
    Xhigh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ThreadMode {
    Passive,
    Active,
}

/// A daily window without pulses, `HH:MM` to `HH:MM` (may wrap past midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Blackout {
    #[serde(rename = "type", default = "recurring")]
    pub kind: String,
    #[serde(alias = "start_time")]
    pub start_time: String,
    #[serde(alias = "end_time")]
    pub end_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

fn recurring() -> String {
    "recurring".to_owned()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WakeGuardrails {
    #[serde(
        default,
        alias = "cooldown_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub cooldown_seconds: Option<u32>,
    #[serde(
        default,
        alias = "max_daily_session_minutes",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_daily_session_minutes: Option<u32>,
    #[serde(
        default,
        alias = "max_wakes_per_day",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_wakes_per_day: Option<u32>,
    #[serde(
        default,
        alias = "max_wakes_per_pair_per_day",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_wakes_per_pair_per_day: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Coordination {
    #[serde(
        default,
        alias = "max_concurrent_pulse_sessions",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_concurrent_pulse_sessions: Option<u32>,
    #[serde(
        default,
        alias = "wake_guardrails",
        skip_serializing_if = "Option::is_none"
    )]
    pub wake_guardrails: Option<WakeGuardrails>,
}

/// Every key is optional: stored configs hold what was set, `PUT` bodies hold what changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentRuntimeConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(
        default,
        alias = "thinking_model",
        skip_serializing_if = "Option::is_none"
    )]
    pub thinking_model: Option<String>,
    #[serde(
        default,
        alias = "thinking_level",
        skip_serializing_if = "Option::is_none"
    )]
    pub thinking_level: Option<ThinkingLevel>,
    #[serde(
        default,
        alias = "thinking_model_thinking_level",
        skip_serializing_if = "Option::is_none"
    )]
    pub thinking_model_thinking_level: Option<ThinkingLevel>,
    #[serde(
        default,
        alias = "planning_model",
        skip_serializing_if = "Option::is_none"
    )]
    pub planning_model: Option<String>,
    #[serde(
        default,
        alias = "executor_model",
        skip_serializing_if = "Option::is_none"
    )]
    pub executor_model: Option<String>,
    #[serde(
        default,
        alias = "max_concurrent_steps",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_concurrent_steps: Option<u32>,
    #[serde(
        default,
        alias = "slack_decision_timeout_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub slack_decision_timeout_ms: Option<u64>,
    #[serde(
        default,
        alias = "pulse_container_timeout_ms",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_container_timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<String>>,
    #[serde(
        default,
        alias = "thread_mode",
        skip_serializing_if = "Option::is_none"
    )]
    pub thread_mode: Option<ThreadMode>,
    #[serde(
        default,
        alias = "pulse_enabled",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_enabled: Option<bool>,
    #[serde(
        default,
        alias = "pulse_interval_minutes",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_interval_minutes: Option<u32>,
    #[serde(
        default,
        alias = "pulse_offset_minutes",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_offset_minutes: Option<u32>,
    #[serde(
        default,
        alias = "pulse_blackouts",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_blackouts: Option<Vec<Blackout>>,
    /// ISO-8601 instants of single extra pulses.
    #[serde(
        default,
        alias = "pulse_one_offs",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_one_offs: Option<Vec<String>>,
    #[serde(
        default,
        alias = "pulse_columns",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_columns: Option<Vec<String>>,
    #[serde(
        default,
        alias = "pulse_transitions_to",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_transitions_to: Option<Vec<String>>,
    #[serde(
        default,
        alias = "pulse_max_consecutive_skips",
        skip_serializing_if = "Option::is_none"
    )]
    pub pulse_max_consecutive_skips: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordination: Option<Coordination>,
}

pub const DEFAULT_PULSE_INTERVAL_MINUTES: u32 = 30;
pub const DEFAULT_PULSE_CONTAINER_TIMEOUT_MS: u64 = 120_000;

impl AgentRuntimeConfig {
    /// Reads a stored config; a row written by an older version with keys we no longer know
    /// is read leniently (unknown keys dropped) rather than failing the agent.
    pub fn from_stored(json: &str) -> Self {
        serde_json::from_str(json).unwrap_or_else(|_| {
            let Ok(Value::Object(map)) = serde_json::from_str::<Value>(json) else {
                return Self::default();
            };
            map.into_iter()
                .filter_map(|(k, v)| {
                    let one: Map<String, Value> = [(k, v)].into_iter().collect();
                    serde_json::from_value::<Self>(Value::Object(one)).ok()
                })
                .fold(Self::default(), |acc, one| acc.merged(&one))
        })
    }

    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// `self` with every key that `patch` sets replaced.
    pub fn merged(&self, patch: &Self) -> Self {
        let mut base = serde_json::to_value(self).unwrap_or(Value::Null);
        let over = serde_json::to_value(patch).unwrap_or(Value::Null);
        if let (Value::Object(base), Value::Object(over)) = (&mut base, over) {
            base.extend(over);
        }
        serde_json::from_value(base).unwrap_or_else(|_| self.clone())
    }

    /// Every key on its own and the keys together (an offset must fit its interval).
    pub fn validate(&self, errors: &mut Vec<FieldError>) {
        self.validate_keys(errors);
        let interval = self
            .pulse_interval_minutes
            .unwrap_or(DEFAULT_PULSE_INTERVAL_MINUTES);
        if let Some(offset) = self.pulse_offset_minutes
            && offset >= interval
        {
            errors.push(err(
                "pulseOffsetMinutes",
                format!("must be below the interval ({interval})"),
            ));
        }
    }

    /// Every key on its own: what a partial update can be checked for before it is merged.
    pub fn validate_keys(&self, errors: &mut Vec<FieldError>) {
        let models = [
            ("model", &self.model),
            ("thinkingModel", &self.thinking_model),
            ("planningModel", &self.planning_model),
            ("executorModel", &self.executor_model),
        ];
        for (path, model) in models {
            if let Some(m) = model
                && (m.trim().is_empty() || m.len() > MAX_SHORT || m.chars().any(char::is_control))
            {
                errors.push(err(
                    path,
                    "must be a model id like `openrouter/vendor/model`",
                ));
            }
        }
        range(
            errors,
            "maxConcurrentSteps",
            self.max_concurrent_steps,
            1,
            64,
        );
        range(
            errors,
            "pulseIntervalMinutes",
            self.pulse_interval_minutes,
            1,
            1440,
        );
        range(
            errors,
            "pulseOffsetMinutes",
            self.pulse_offset_minutes,
            0,
            1439,
        );
        range(
            errors,
            "pulseMaxConsecutiveSkips",
            self.pulse_max_consecutive_skips,
            0,
            1000,
        );
        list(errors, "tools", self.tools.as_deref());
        list(errors, "pulseColumns", self.pulse_columns.as_deref());
        list(
            errors,
            "pulseTransitionsTo",
            self.pulse_transitions_to.as_deref(),
        );
        for (i, b) in self.pulse_blackouts.iter().flatten().enumerate() {
            blackout(errors, &format!("pulseBlackouts[{i}]"), b);
        }
        for (i, t) in self.pulse_one_offs.iter().flatten().enumerate() {
            if chrono::DateTime::parse_from_rfc3339(t).is_err() {
                errors.push(err(
                    &format!("pulseOneOffs[{i}]"),
                    "must be an RFC 3339 time such as 2026-01-31T09:00:00Z",
                ));
            }
        }
    }
}

fn range(errors: &mut Vec<FieldError>, path: &str, value: Option<u32>, min: u32, max: u32) {
    if let Some(v) = value
        && !(min..=max).contains(&v)
    {
        errors.push(err(path, format!("must be between {min} and {max}")));
    }
}

fn list(errors: &mut Vec<FieldError>, path: &str, items: Option<&[String]>) {
    let Some(items) = items else { return };
    if items.len() > 200 {
        errors.push(err(path, "must have at most 200 entries"));
    }
    for (i, item) in items.iter().enumerate() {
        if item.trim().is_empty() || item.len() > MAX_SHORT {
            errors.push(err(&format!("{path}[{i}]"), "must be 1 to 256 characters"));
        }
    }
}

/// `HH:MM`, 00:00 to 23:59.
pub fn parse_clock(value: &str) -> Option<u32> {
    let (h, m) = value.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

pub fn blackout(errors: &mut Vec<FieldError>, path: &str, b: &Blackout) {
    if b.kind != "recurring" {
        errors.push(err(&format!("{path}.type"), "must be `recurring`"));
    }
    if parse_clock(&b.start_time).is_none() {
        errors.push(err(&format!("{path}.startTime"), "must be HH:MM"));
    }
    if parse_clock(&b.end_time).is_none() {
        errors.push(err(&format!("{path}.endTime"), "must be HH:MM"));
    }
    if b.label.as_ref().is_some_and(|l| l.len() > MAX_SHORT) {
        errors.push(err(&format!("{path}.label"), "must be at most 256 bytes"));
    }
}

#[cfg(test)]
mod tests;
