//! Rules of a pulse routine: what a valid one looks like, and its schedule.

use chrono::{DateTime, Duration, Utc};
use kit::error::FieldError;

use crate::domain::agent_config::{self, Blackout};
use crate::domain::pulse_schedule::{self, Plan, Recurrence, parse_instant};
use crate::domain::validate::{self, MAX_NAME, MAX_SHORT, MAX_TEXT, err};

/// Routine instructions are prompts: 64 KiB is plenty.
pub const MAX_INSTRUCTIONS: usize = 64 * 1024;
pub const MAX_INTERVAL_MINUTES: u32 = 10_080;
pub const MAX_ONE_OFFS: usize = 100;
const MAX_BLACKOUTS: usize = 50;
const MAX_LIST: usize = 200;

/// Colors given to new routines in turn, as in the reference UI.
const PALETTE: [&str; 8] = [
    "#3b82f6", "#8b5cf6", "#06b6d4", "#10b981", "#f59e0b", "#ef4444", "#ec4899", "#6366f1",
];

/// Every setting of a routine (the row minus ids, stats and times).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutineSpec {
    pub name: String,
    pub description: Option<String>,
    pub instructions: String,
    pub enabled: bool,
    pub interval_minutes: u32,
    pub offset_minutes: u32,
    pub cron: Option<String>,
    pub blackouts: Vec<Blackout>,
    pub one_offs: Vec<String>,
    pub timeout_ms: Option<u32>,
    pub max_concurrent: u32,
    pub pulse_columns: Option<Vec<String>>,
    pub color: Option<String>,
    pub planning_model: Option<String>,
    pub executor_model: Option<String>,
    pub executor_timeout_sec: Option<u32>,
    pub tools: Option<Vec<String>>,
    pub stage_affinity: Option<Vec<String>>,
    pub task_work_types: Option<Vec<String>>,
}

impl Default for RoutineSpec {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: None,
            instructions: String::new(),
            enabled: true,
            interval_minutes: 30,
            offset_minutes: 0,
            cron: None,
            blackouts: Vec::new(),
            one_offs: Vec::new(),
            timeout_ms: None,
            max_concurrent: 1,
            pulse_columns: None,
            color: None,
            planning_model: None,
            executor_model: None,
            executor_timeout_sec: None,
            tools: None,
            stage_affinity: None,
            task_work_types: None,
        }
    }
}

impl RoutineSpec {
    /// Every rule, with the failing field paths (camelCase, as clients send them).
    pub fn validate(&self, now: DateTime<Utc>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut errors);
        validate::text(
            "description",
            self.description.as_deref(),
            MAX_TEXT,
            &mut errors,
        );
        validate::text(
            "instructions",
            Some(&self.instructions),
            MAX_INSTRUCTIONS,
            &mut errors,
        );
        if !(1..=MAX_INTERVAL_MINUTES).contains(&self.interval_minutes) {
            errors.push(err(
                "intervalMinutes",
                format!("must be between 1 and {MAX_INTERVAL_MINUTES}"),
            ));
        } else if self.offset_minutes >= self.interval_minutes {
            errors.push(err(
                "offsetMinutes",
                format!("must be below the interval ({})", self.interval_minutes),
            ));
        }
        if let Some(expr) = &self.cron {
            if expr.len() > MAX_SHORT {
                errors.push(err("cron", "must be at most 256 bytes"));
            } else if let Err(reason) = pulse_schedule::parse_cron(expr, now) {
                errors.push(err("cron", reason));
            }
        }
        if self.blackouts.len() > MAX_BLACKOUTS {
            errors.push(err("blackouts", "must have at most 50 entries"));
        }
        for (i, b) in self.blackouts.iter().enumerate() {
            agent_config::blackout(&mut errors, &format!("blackouts[{i}]"), b);
        }
        if self.one_offs.len() > MAX_ONE_OFFS {
            errors.push(err("oneOffs", "must have at most 100 entries"));
        }
        for (i, t) in self.one_offs.iter().enumerate() {
            if let Err(reason) = one_off_time(t, now) {
                errors.push(err(&format!("oneOffs[{i}]"), reason));
            }
        }
        range(
            &mut errors,
            "timeoutMs",
            self.timeout_ms,
            1_000,
            24 * 3_600_000,
        );
        range(
            &mut errors,
            "maxConcurrent",
            Some(self.max_concurrent),
            1,
            10,
        );
        range(
            &mut errors,
            "executorTimeoutSec",
            self.executor_timeout_sec,
            30,
            3600,
        );
        if let Some(c) = &self.color
            && !is_color(c)
        {
            errors.push(err("color", "must be a #rrggbb color"));
        }
        for (path, model) in [
            ("planningModel", &self.planning_model),
            ("executorModel", &self.executor_model),
        ] {
            if let Some(m) = model
                && (m.trim().is_empty() || m.len() > MAX_SHORT || m.chars().any(char::is_control))
            {
                errors.push(err(
                    path,
                    "must be a model id like `openrouter/vendor/model`",
                ));
            }
        }
        for (path, items) in [
            ("pulseColumns", &self.pulse_columns),
            ("tools", &self.tools),
            ("stageAffinity", &self.stage_affinity),
            ("taskWorkTypes", &self.task_work_types),
        ] {
            list(&mut errors, path, items.as_deref());
        }
        errors
    }

    /// One-offs already past have fired (or were missed); they are not kept on the next write.
    pub fn drop_past_one_offs(&mut self, now: DateTime<Utc>) {
        self.one_offs
            .retain(|t| parse_instant(t).is_none_or(|t| t > now));
    }

    /// When this routine fires on its own (the agent's blackouts are added by the caller).
    pub fn recurrence(&self, now: DateTime<Utc>) -> Recurrence {
        match self
            .cron
            .as_deref()
            .map(|c| pulse_schedule::parse_cron(c, now))
        {
            Some(Ok(schedule)) => Recurrence::Cron(Box::new(schedule)),
            _ => Recurrence::Every {
                interval: self.interval_minutes.max(1),
                offset: self.offset_minutes % self.interval_minutes.max(1),
            },
        }
    }

    /// The routine's plan; an agent's quiet hours silence its routines too.
    pub fn plan(&self, agent_blackouts: &[Blackout], now: DateTime<Utc>) -> Plan {
        Plan::new(
            self.recurrence(now),
            self.blackouts.iter().chain(agent_blackouts),
            &self.one_offs,
        )
    }
}

/// A one-off pulse time: RFC 3339, in the future, at most a year ahead.
pub fn one_off_time(value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, &'static str> {
    let t = parse_instant(value).ok_or("must be an RFC 3339 time such as 2026-01-31T09:00:00Z")?;
    if t <= now {
        return Err("must be in the future");
    }
    if t > now + Duration::days(366) {
        return Err("must be at most a year ahead");
    }
    Ok(t)
}

pub fn is_color(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The first palette color no routine of the agent uses yet (cycling when all are taken).
pub fn pick_color(used: &[Option<String>]) -> String {
    PALETTE
        .iter()
        .find(|c| !used.iter().flatten().any(|u| u.eq_ignore_ascii_case(c)))
        .unwrap_or(&PALETTE[used.len() % PALETTE.len()])
        .to_string()
}

/// `X (copy)`, then `X (copy 2)`, `X (copy 3)`, … whichever is free, within the name limit.
pub fn copy_name(source: &str, taken: &[String]) -> String {
    let base: String = source.chars().take(MAX_NAME - 16).collect();
    (1..)
        .map(|n| {
            if n == 1 {
                format!("{base} (copy)")
            } else {
                format!("{base} (copy {n})")
            }
        })
        .find(|name| !taken.iter().any(|t| t == name))
        .unwrap_or(base)
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
    if items.len() > MAX_LIST {
        errors.push(err(path, "must have at most 200 entries"));
    }
    for (i, item) in items.iter().enumerate() {
        if item.trim().is_empty() || item.len() > MAX_SHORT {
            errors.push(err(&format!("{path}[{i}]"), "must be 1 to 256 characters"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_get_the_next_free_name() {
        assert_eq!(copy_name("Standup", &[]), "Standup (copy)");
        let taken = vec!["Standup (copy)".to_owned(), "Standup (copy 2)".to_owned()];
        assert_eq!(copy_name("Standup", &taken), "Standup (copy 3)");
        assert!(copy_name(&"x".repeat(256), &[]).chars().count() <= MAX_NAME);
    }

    #[test]
    fn colors_come_from_the_palette_in_turn() {
        assert_eq!(pick_color(&[]), "#3b82f6");
        assert_eq!(pick_color(&[Some("#3B82F6".into()), None]), "#8b5cf6");
        assert!(is_color("#a0B1c2"));
        for bad in ["red", "#12345", "#1234567", "#gggggg", "123456#"] {
            assert!(!is_color(bad), "{bad}");
        }
    }

    #[test]
    fn validation_names_every_bad_field() {
        let now = Utc::now();
        let spec = RoutineSpec {
            name: " ".into(),
            interval_minutes: 30,
            offset_minutes: 30,
            cron: Some("every day".into()),
            blackouts: vec![Blackout {
                kind: "recurring".into(),
                start_time: "9am".into(),
                end_time: "10:00".into(),
                label: None,
            }],
            one_offs: vec![
                "2000-01-01T00:00:00Z".into(),
                "soon".into(),
                "2999-01-01T00:00:00Z".into(),
            ],
            color: Some("blue".into()),
            max_concurrent: 11,
            executor_timeout_sec: Some(5),
            instructions: "x".repeat(MAX_INSTRUCTIONS + 1),
            tools: Some(vec![String::new()]),
            ..RoutineSpec::default()
        };
        let paths: Vec<_> = spec
            .validate(now)
            .into_iter()
            .map(|e| e.path)
            .collect::<Vec<_>>();
        assert_eq!(
            paths,
            [
                "name",
                "instructions",
                "offsetMinutes",
                "cron",
                "blackouts[0].startTime",
                "oneOffs[0]",
                "oneOffs[1]",
                "oneOffs[2]",
                "maxConcurrent",
                "executorTimeoutSec",
                "color",
                "tools[0]"
            ]
        );
        let ok = RoutineSpec {
            name: "Standup".into(),
            cron: Some("*/15 9-17 * * MON-FRI".into()),
            ..RoutineSpec::default()
        };
        assert!(ok.validate(now).is_empty());
        assert!(matches!(ok.recurrence(now), Recurrence::Cron(_)));
    }
}
