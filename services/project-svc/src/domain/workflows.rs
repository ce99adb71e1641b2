//! Rules of workflows and workflow policies: which tasks a workflow's filter selects, how the
//! pipeline of a run is chosen, the stage rules a policy may hold, and where a task stands in
//! them (the reference's `resolve_task_workflow`).

use std::collections::{BTreeMap, BTreeSet};

use kit::error::FieldError;
use serde::{Deserialize, Serialize};

use crate::domain::validate::err;

/// How a workflow is started: by a person (`manual`) or by `execute-ready` and the engine's
/// automation (`auto`). The reference stores a free string defaulting to `manual`.
pub const TRIGGERS: [&str; 2] = ["manual", "auto"];
pub const PRIORITIES: [&str; 4] = ["P0", "P1", "P2", "P3"];
/// The SDLC stages a policy can name, in board order (the reference's stage-to-status map).
pub const STAGES: [&str; 7] = [
    "spec",
    "design",
    "ux",
    "implement",
    "review",
    "test",
    "deploy",
];
const MAX_FILTER_ITEMS: usize = 50;
const MAX_FILTER_VALUE: usize = 64;
const MAX_WORK_TYPES: usize = 32;

/// A workflow's task selector; every present key must match (`tags`: any shared tag).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_type: Option<Vec<String>>,
}

impl TaskFilter {
    pub fn check(&self, path: &str, errors: &mut Vec<FieldError>) {
        for (key, list) in [
            ("tags", &self.tags),
            ("priority", &self.priority),
            ("work_type", &self.work_type),
        ] {
            let Some(list) = list else { continue };
            if list.len() > MAX_FILTER_ITEMS {
                errors.push(err(
                    &format!("{path}.{key}"),
                    format!("at most {MAX_FILTER_ITEMS} values"),
                ));
            }
            for (i, v) in list.iter().enumerate() {
                let at = format!("{path}.{key}[{i}]");
                if v.trim().is_empty() || v.chars().count() > MAX_FILTER_VALUE {
                    errors.push(err(
                        &at,
                        format!("must be 1 to {MAX_FILTER_VALUE} characters"),
                    ));
                } else if key == "priority" && !PRIORITIES.contains(&v.as_str()) {
                    errors.push(err(&at, "must be one of P0, P1, P2, P3"));
                }
            }
        }
    }

    /// Whether a task falls under this filter; an empty filter selects nothing (it is the
    /// default workflow's job to catch everything).
    pub fn matches(&self, tags: &[String], priority: &str, work_type: Option<&str>) -> bool {
        if self.tags.is_none() && self.priority.is_none() && self.work_type.is_none() {
            return false;
        }
        let tags_ok = self
            .tags
            .as_ref()
            .is_none_or(|want| want.iter().any(|t| tags.contains(t)));
        let priority_ok = self
            .priority
            .as_ref()
            .is_none_or(|want| want.iter().any(|p| p == priority));
        let type_ok = self
            .work_type
            .as_ref()
            .is_none_or(|want| work_type.is_some_and(|w| want.iter().any(|x| x == w)));
        tags_ok && priority_ok && type_ok
    }
}

pub fn check_trigger(path: &str, trigger: &str, errors: &mut Vec<FieldError>) {
    if !TRIGGERS.contains(&trigger) {
        errors.push(err(path, "must be `manual` or `auto`"));
    }
}

/// Pipelines live in engine-svc; here a pipeline id is checked for its form only.
pub fn check_pipeline(path: &str, pipeline: &str, errors: &mut Vec<FieldError>) {
    if pipeline.len() > 128 || shared_schemas::ids::validate_slug(pipeline).is_err() {
        errors.push(err(
            path,
            "must be a pipeline id: 1 to 100 letters, digits, `_` or `-`",
        ));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    Required,
    Optional,
    Skip,
}

/// One stage of a work type's route through the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageRule {
    pub stage: String,
    pub disposition: Disposition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_role: Option<String>,
}

/// `{ work_type: [ {stage, disposition, agent_role?} ] }`, as the reference stores it.
pub type StageRules = BTreeMap<String, Vec<StageRule>>;

pub fn check_stage_rules(rules: &StageRules, errors: &mut Vec<FieldError>) {
    if rules.len() > MAX_WORK_TYPES {
        errors.push(err(
            "stageRules",
            format!("at most {MAX_WORK_TYPES} work types"),
        ));
    }
    for (work_type, list) in rules {
        let at = format!("stageRules.{work_type}");
        if !is_work_type(work_type) {
            errors.push(err(
                &at,
                "work type must be 1 to 32 lower-case letters, digits, `_` or `-`",
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, rule) in list.iter().enumerate() {
            if !STAGES.contains(&rule.stage.as_str()) {
                errors.push(err(
                    &format!("{at}[{i}].stage"),
                    format!("must be one of {}", STAGES.join(", ")),
                ));
            } else if !seen.insert(rule.stage.as_str()) {
                errors.push(err(&format!("{at}[{i}].stage"), "named twice"));
            }
            if rule
                .agent_role
                .as_deref()
                .is_some_and(|r| r.trim().is_empty() || r.chars().count() > 64)
            {
                errors.push(err(
                    &format!("{at}[{i}].agent_role"),
                    "must be 1 to 64 characters",
                ));
            }
        }
    }
}

pub fn is_work_type(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The board statuses each stage covers (the reference's default mapping).
pub fn stage_for_status(status: &str) -> Option<&'static str> {
    Some(match status {
        "backlog" => "spec",
        "planning" | "planned" => "design",
        "ux" => "ux",
        "ready" | "in_progress" => "implement",
        "review" => "review",
        "test" => "test",
        "done" => "deploy",
        _ => return None,
    })
}

/// Where a task stands in its work type's stages.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResolvedStages {
    pub work_type: String,
    pub required_stages: Vec<String>,
    pub optional_stages: Vec<String>,
    pub skipped_stages: Vec<String>,
    pub current_stage: Option<String>,
    pub next_required_stage: Option<String>,
    pub next_valid_stages: Vec<String>,
}

/// A task's route: its work type's rules (or `custom`'s), the next required stage not yet done,
/// and the stages it may go to from here (`done` once nothing required is left).
pub fn resolve(
    work_type: Option<&str>,
    completed: &[String],
    status: &str,
    rules: &StageRules,
) -> ResolvedStages {
    let effective = work_type.unwrap_or("custom").to_owned();
    let empty = Vec::new();
    let list = rules
        .get(&effective)
        .or_else(|| rules.get("custom"))
        .unwrap_or(&empty);
    let current = stage_for_status(status);
    let with = |d: Disposition| -> Vec<String> {
        list.iter()
            .filter(|r| r.disposition == d)
            .map(|r| r.stage.clone())
            .collect()
    };
    let required = with(Disposition::Required);
    let open = |r: &&StageRule| {
        r.disposition != Disposition::Skip
            && !completed.contains(&r.stage)
            && Some(r.stage.as_str()) != current
    };
    let next_required = list
        .iter()
        .filter(open)
        .find(|r| r.disposition == Disposition::Required)
        .map(|r| r.stage.clone());
    // Stages after the current one; all open stages when the status maps to no stage of this
    // route (the reference offered none then, leaving an agent nowhere to go).
    let start = current
        .and_then(|c| list.iter().position(|r| r.stage == c))
        .map_or(0, |i| i + 1);
    let mut next_valid: Vec<String> = list[start..]
        .iter()
        .filter(open)
        .map(|r| r.stage.clone())
        .collect();
    let required_left = required
        .iter()
        .any(|s| !completed.contains(s) && Some(s.as_str()) != current);
    if !required_left && !next_valid.iter().any(|s| s == "done") {
        next_valid.push("done".to_owned());
    }
    ResolvedStages {
        work_type: effective,
        optional_stages: with(Disposition::Optional),
        skipped_stages: with(Disposition::Skip),
        required_stages: required,
        current_stage: current.map(str::to_owned),
        next_required_stage: next_required,
        next_valid_stages: next_valid,
    }
}

/// A project's status semantics (`status_semantics`, the reference's `StatusSemantics`), with the
/// reference's defaults for projects that have none.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Semantics {
    #[serde(default)]
    pub initial: Vec<String>,
    #[serde(default)]
    pub claimable: Vec<String>,
    #[serde(default)]
    pub in_progress: Vec<String>,
    #[serde(default)]
    pub terminal_done: Vec<String>,
    #[serde(default)]
    pub terminal_fail: Vec<String>,
}

impl Semantics {
    /// Unreadable semantics count as absent: the defaults still give a working board.
    pub fn from_json(value: Option<serde_json::Value>) -> Self {
        value
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// Statuses a task can be started from.
    pub fn executable(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .claimable
            .iter()
            .chain(&self.initial)
            .cloned()
            .collect();
        if out.is_empty() {
            out = ["backlog", "planning", "ready"].map(str::to_owned).to_vec();
        }
        out
    }

    pub fn done(&self) -> Vec<String> {
        or_default(&self.terminal_done, "done")
    }

    pub fn failed(&self) -> Vec<String> {
        or_default(&self.terminal_fail, "failed")
    }

    /// The status a started task takes.
    pub fn running(&self) -> String {
        or_default(&self.in_progress, "in_progress").swap_remove(0)
    }
}

fn or_default(list: &[String], default: &str) -> Vec<String> {
    if list.is_empty() {
        vec![default.to_owned()]
    } else {
        list.to_vec()
    }
}

/// What a task brings to pipeline selection.
pub struct TaskForPipeline<'a> {
    pub workflow_id: Option<&'a str>,
    pub tags: &'a [String],
    pub priority: &'a str,
    pub work_type: Option<&'a str>,
}

/// A project's workflow as pipeline selection sees it.
pub struct WorkflowChoice {
    pub id: String,
    pub pipeline_id: String,
    pub is_default: bool,
    pub task_filter: TaskFilter,
}

/// The pipeline of a run: the one asked for, else the task's workflow, else the first workflow
/// whose filter selects the task, else the default workflow, else the project's default pipeline.
pub fn choose_pipeline(
    explicit: Option<&str>,
    task: &TaskForPipeline<'_>,
    workflows: &[WorkflowChoice],
    project_default: Option<&str>,
) -> Option<String> {
    if let Some(p) = explicit {
        return Some(p.to_owned());
    }
    let by_id = task
        .workflow_id
        .and_then(|id| workflows.iter().find(|w| w.id == id));
    let by_filter = || {
        workflows.iter().find(|w| {
            w.task_filter
                .matches(task.tags, task.priority, task.work_type)
        })
    };
    by_id
        .or_else(by_filter)
        .or_else(|| workflows.iter().find(|w| w.is_default))
        .map(|w| w.pipeline_id.clone())
        .or_else(|| project_default.map(str::to_owned))
}

#[cfg(test)]
mod tests;
