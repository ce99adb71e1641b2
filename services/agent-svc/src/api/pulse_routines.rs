//! Request and response bodies of `/pulse-routines` (camelCase, the reference's shapes plus
//! `cron`, `stageAffinity`, `taskWorkTypes` and `executorTimeoutSec`).

use chrono::Utc;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::agent_config::Blackout;
use crate::domain::pulse_routines::RoutineSpec;
use crate::domain::validate::finish;
use crate::store::pulse_routines::Routine;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PulseRoutine {
    pub id: String,
    pub agent_id: String,
    pub name: String,
    pub description: Option<String>,
    pub instructions: String,
    pub enabled: bool,
    pub interval_minutes: u32,
    pub offset_minutes: u32,
    /// When set, the routine runs on this five-field cron schedule (UTC) instead of the interval.
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
    pub sort_order: i32,
    pub last_run_at: Option<i64>,
    pub total_runs: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&Routine> for PulseRoutine {
    fn from(r: &Routine) -> Self {
        let s = r.spec.clone();
        Self {
            id: r.id.clone(),
            agent_id: r.agent_id.clone(),
            name: s.name,
            description: s.description,
            instructions: s.instructions,
            enabled: s.enabled,
            interval_minutes: s.interval_minutes,
            offset_minutes: s.offset_minutes,
            cron: s.cron,
            blackouts: s.blackouts,
            one_offs: s.one_offs,
            timeout_ms: s.timeout_ms,
            max_concurrent: s.max_concurrent,
            pulse_columns: s.pulse_columns,
            color: s.color,
            planning_model: s.planning_model,
            executor_model: s.executor_model,
            executor_timeout_sec: s.executor_timeout_sec,
            tools: s.tools,
            stage_affinity: s.stage_affinity,
            task_work_types: s.task_work_types,
            sort_order: r.sort_order,
            last_run_at: r.last_run_at,
            total_runs: r.total_runs,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoutineList {
    pub routines: Vec<PulseRoutine>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Toggled {
    pub id: String,
    pub enabled: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reorder {
    /// Every routine id of the agent, once each, in the new order.
    pub routine_ids: Vec<String>,
}

impl Validate for Reorder {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunRecorded {
    pub status: &'static str,
    pub routine_id: String,
    pub last_run_at: i64,
    pub total_runs: i32,
}

fn yes() -> bool {
    true
}
fn thirty() -> u32 {
    30
}
fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePulseRoutine {
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub instructions: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "thirty")]
    pub interval_minutes: u32,
    #[serde(default)]
    pub offset_minutes: u32,
    /// Five fields (minute hour day-of-month month day-of-week, UTC) or `@daily`-style.
    pub cron: Option<String>,
    #[serde(default)]
    pub blackouts: Vec<Blackout>,
    /// RFC 3339 instants, in the future and at most a year ahead.
    #[serde(default)]
    pub one_offs: Vec<String>,
    pub timeout_ms: Option<u32>,
    #[serde(default = "one")]
    pub max_concurrent: u32,
    pub pulse_columns: Option<Vec<String>>,
    /// `#rrggbb`; picked from a palette when absent.
    pub color: Option<String>,
    pub planning_model: Option<String>,
    pub executor_model: Option<String>,
    pub executor_timeout_sec: Option<u32>,
    pub tools: Option<Vec<String>>,
    pub stage_affinity: Option<Vec<String>>,
    pub task_work_types: Option<Vec<String>>,
}

impl CreatePulseRoutine {
    pub fn into_spec(self) -> RoutineSpec {
        RoutineSpec {
            name: self.name.trim().to_owned(),
            description: self.description,
            instructions: self.instructions,
            enabled: self.enabled,
            interval_minutes: self.interval_minutes,
            offset_minutes: self.offset_minutes,
            cron: self.cron.map(|c| c.trim().to_owned()),
            blackouts: self.blackouts,
            one_offs: self.one_offs,
            timeout_ms: self.timeout_ms,
            max_concurrent: self.max_concurrent,
            pulse_columns: self.pulse_columns,
            color: self.color,
            planning_model: self.planning_model,
            executor_model: self.executor_model,
            executor_timeout_sec: self.executor_timeout_sec,
            tools: self.tools,
            stage_affinity: self.stage_affinity,
            task_work_types: self.task_work_types,
        }
    }
}

/// Absent → unchanged; for optional settings `null` clears (so `Some(None)`).
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdatePulseRoutine {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub instructions: Option<String>,
    pub enabled: Option<bool>,
    pub interval_minutes: Option<u32>,
    pub offset_minutes: Option<u32>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub cron: Option<Option<String>>,
    pub blackouts: Option<Vec<Blackout>>,
    pub one_offs: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>)]
    pub timeout_ms: Option<Option<u32>>,
    pub max_concurrent: Option<u32>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    pub pulse_columns: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    /// `""` or `null` → inherit the agent's model.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub planning_model: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub executor_model: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>)]
    pub executor_timeout_sec: Option<Option<u32>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    pub tools: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    pub stage_affinity: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Vec<String>>)]
    pub task_work_types: Option<Option<Vec<String>>>,
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}

/// The reference cleared a model override with `""`; keep accepting that.
fn model(value: Option<Option<String>>) -> Option<Option<String>> {
    value.map(|m| m.filter(|m| !m.is_empty()))
}

impl UpdatePulseRoutine {
    pub fn apply(self, s: &mut RoutineSpec) {
        set(&mut s.name, self.name.map(|n| n.trim().to_owned()));
        set(&mut s.description, self.description);
        set(&mut s.instructions, self.instructions);
        set(&mut s.enabled, self.enabled);
        set(&mut s.interval_minutes, self.interval_minutes);
        set(&mut s.offset_minutes, self.offset_minutes);
        set(
            &mut s.cron,
            self.cron.map(|c| c.map(|c| c.trim().to_owned())),
        );
        set(&mut s.blackouts, self.blackouts);
        set(&mut s.one_offs, self.one_offs);
        set(&mut s.timeout_ms, self.timeout_ms);
        set(&mut s.max_concurrent, self.max_concurrent);
        set(&mut s.pulse_columns, self.pulse_columns);
        set(&mut s.color, self.color);
        set(&mut s.planning_model, model(self.planning_model));
        set(&mut s.executor_model, model(self.executor_model));
        set(&mut s.executor_timeout_sec, self.executor_timeout_sec);
        set(&mut s.tools, self.tools);
        set(&mut s.stage_affinity, self.stage_affinity);
        set(&mut s.task_work_types, self.task_work_types);
    }
}

/// Field rules of a new routine, checked before anything is read.
impl Validate for CreatePulseRoutine {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        finish(self.clone().into_spec().validate(Utc::now()))
    }
}

impl Validate for UpdatePulseRoutine {}
