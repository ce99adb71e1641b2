//! Rules of tasks that are neither HTTP nor SQL: field bounds, which column a status lands in,
//! where a moved task goes in its column's order, who may claim a task, and its branch name.

use kit::ApiError;
use kit::error::FieldError;
use serde::{Deserialize, Serialize};
use shared_schemas::ids::{ProjectId, TaskId};
use sqlx::FromRow;
use sqlx::types::Json;

use crate::domain::validate::{self, err};

/// A task row as the reference returns it (snake_case).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: String,
    pub project_id: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub assigned_agent: Option<String>,
    pub workflow_id: Option<String>,
    pub pipeline_id: Option<String>,
    pub run_id: Option<String>,
    pub parent_task_id: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub tags: Json<Vec<String>>,
    pub estimated_hours: Option<f64>,
    pub column_id: String,
    pub column_position: i32,
    #[schema(value_type = Object)]
    pub metadata: Json<serde_json::Value>,
    pub work_type: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub completed_stages: Option<Json<serde_json::Value>>,
    pub spec_review_status: Option<String>,
    pub quality_review_status: Option<String>,
    pub spec_review_notes: Option<String>,
    pub quality_review_notes: Option<String>,
    pub completed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Tags per task, and characters per tag.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG: usize = 64;
/// Free-form metadata, serialized.
pub const MAX_METADATA: usize = 64 * 1024;
/// `status` and `work_type` columns are varchar(32).
pub const MAX_STATUS: usize = 32;
/// Agent and workflow ids as the columns store them.
pub const MAX_REF: usize = 128;
/// A task estimated at more than this many hours is a typo, not a plan.
pub const MAX_HOURS: f64 = 1_000_000.0;
/// Transition notes kept in a task's metadata; older ones are dropped.
pub const MAX_NOTES: usize = 100;

pub const DEFAULT_STATUS: &str = "backlog";
/// Statuses an agent may claim a task in when the project's semantics name none (the
/// reference's fallback set).
const CLAIMABLE: [&str; 7] = [
    "backlog", "planning", "planned", "ux", "ready", "test", "failed",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::P0 => "P0",
            Self::P1 => "P1",
            Self::P2 => "P2",
            Self::P3 => "P3",
        }
    }
}

/// A status: lower-case letters, digits and `_`, as columns name them (`in_progress`).
pub fn status(path: &str, value: &str, errors: &mut Vec<FieldError>) {
    let ok = !value.is_empty()
        && value.len() <= MAX_STATUS
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !ok {
        errors.push(err(
            path,
            format!("must be 1 to {MAX_STATUS} lower-case letters, digits, `_` or `-`"),
        ));
    }
}

pub fn title(value: &str, errors: &mut Vec<FieldError>) {
    validate::name("title", value, validate::MAX_TITLE, errors);
}

pub fn description(value: Option<&str>, errors: &mut Vec<FieldError>) {
    validate::text("description", value, validate::MAX_DESCRIPTION, errors);
}

pub fn tags(values: &[String], errors: &mut Vec<FieldError>) {
    if values.len() > MAX_TAGS {
        errors.push(err("tags", format!("at most {MAX_TAGS} tags")));
        return;
    }
    for (i, tag) in values.iter().enumerate() {
        validate::name(&format!("tags[{i}]"), tag, MAX_TAG, errors);
    }
}

pub fn metadata(value: &serde_json::Value, errors: &mut Vec<FieldError>) {
    if !value.is_object() {
        errors.push(err("metadata", "must be an object"));
    } else if value.to_string().len() > MAX_METADATA {
        errors.push(err(
            "metadata",
            format!("must be at most {MAX_METADATA} bytes"),
        ));
    }
}

pub fn hours(value: f64, errors: &mut Vec<FieldError>) {
    if !value.is_finite() || !(0.0..=MAX_HOURS).contains(&value) {
        errors.push(err(
            "estimatedHours",
            format!("must be between 0 and {MAX_HOURS}"),
        ));
    }
}

/// A short reference (agent id, workflow id): 1..=128 visible characters.
pub fn reference(path: &str, value: &str, errors: &mut Vec<FieldError>) {
    if value.is_empty() || value.len() > MAX_REF || value.chars().any(char::is_control) {
        errors.push(err(path, format!("must be 1 to {MAX_REF} characters")));
    }
}

/// Agents are named by their platform id (`agt_…`): events carry it typed.
pub fn agent(path: &str, value: &str, errors: &mut Vec<FieldError>) {
    if shared_schemas::ids::AgentId::parse(value).is_err() {
        errors.push(err(path, "must be an agent id (`agt_…`)"));
    }
}

/// A board column as the placement rules see it (ordered by position).
#[derive(Debug, Clone)]
pub struct Column {
    pub id: String,
    pub wip_limit: Option<i32>,
    pub statuses: Vec<String>,
}

/// Where a new task goes when the request names no column: the first column carrying its
/// status, else the first column.
pub fn column_for_new<'a>(columns: &'a [Column], status: &str) -> Option<&'a Column> {
    columns
        .iter()
        .find(|c| c.statuses.iter().any(|s| s == status))
        .or_else(|| columns.first())
}

/// The column a status change lands in: the current one when it carries the status, else the
/// first one that does; `None` when no column of the board carries it.
pub fn column_for_status<'a>(
    columns: &'a [Column],
    current: &str,
    status: &str,
) -> Option<&'a Column> {
    let carries = |c: &&Column| c.statuses.iter().any(|s| s == status);
    columns
        .iter()
        .filter(|c| c.id == current)
        .find(carries)
        .or_else(|| columns.iter().find(carries))
}

/// The status a task takes in `column`: its first status, or the task's own when the column
/// names none.
pub fn status_in(column: &Column, current: &str) -> String {
    column
        .statuses
        .first()
        .cloned()
        .unwrap_or_else(|| current.to_owned())
}

/// Sets the status; entering `done` stamps `completed_at`, leaving it clears the stamp.
pub fn set_status(task: &mut Task, status: &str, now: i64) {
    if status == task.status {
        return;
    }
    task.completed_at = (status == "done").then_some(now);
    status.clone_into(&mut task.status);
}

/// 409 when `column` already holds its WIP limit of other tasks.
pub fn check_wip(column: &Column, others_in_column: i64) -> Result<(), ApiError> {
    match column.wip_limit {
        Some(limit) if others_in_column >= i64::from(limit) => Err(ApiError::conflict(
            "wip_limit_reached",
            format!("the column holds its WIP limit of {limit} tasks"),
        )),
        _ => Ok(()),
    }
}

/// `order` with `task` inserted at `position` (clamped to the end); returns the index used.
pub fn insert_at(order: &mut Vec<String>, task: &str, position: usize) -> usize {
    let at = position.min(order.len());
    order.insert(at, task.to_owned());
    at
}

/// Whether a task in `status` may be claimed, given the project's `claimable` semantics.
pub fn claimable(status: &str, semantics: Option<&[String]>) -> bool {
    match semantics {
        Some(list) if !list.is_empty() => list.iter().any(|s| s == status),
        _ => CLAIMABLE.contains(&status),
    }
}

/// The task's stable git branch: `feat/{task_id}-{slug of the title, ≤ 40}`.
pub fn branch_name(task_id: &str, title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(40).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("feat/{task_id}")
    } else {
        format!("feat/{task_id}-{slug}")
    }
}

/// Appends a transition note to `metadata.transition_notes`, keeping the newest
/// [`MAX_NOTES`] so the row stays bounded.
pub fn add_note(metadata: &mut serde_json::Value, from: &str, to: &str, note: &str, at: i64) {
    if !metadata.is_object() {
        *metadata = serde_json::json!({});
    }
    let entry = serde_json::json!({"from": from, "to": to, "note": note, "timestamp": at});
    let notes = &mut metadata["transition_notes"];
    if !notes.is_array() {
        *notes = serde_json::json!([]);
    }
    if let Some(list) = notes.as_array_mut() {
        list.push(entry);
        let excess = list.len().saturating_sub(MAX_NOTES);
        list.drain(..excess);
    }
}

/// Typed ids for events; a stored id that does not parse is a bug, not bad input.
pub fn event_ids(project_id: &str, task_id: &str) -> Result<(ProjectId, TaskId), ApiError> {
    let project = ProjectId::parse(project_id).map_err(ApiError::internal)?;
    let task = TaskId::parse(task_id).map_err(ApiError::internal)?;
    Ok((project, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(id: &str, statuses: &[&str]) -> Column {
        Column {
            id: id.into(),
            wip_limit: None,
            statuses: statuses.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn placement_prefers_the_current_column_then_the_first_carrying_one() {
        let cols = [
            col("a", &["backlog"]),
            col("b", &["ready", "review"]),
            col("c", &["review"]),
        ];
        assert_eq!(column_for_new(&cols, "review").map(|c| &*c.id), Some("b"));
        assert_eq!(column_for_new(&cols, "nope").map(|c| &*c.id), Some("a"));
        assert_eq!(
            column_for_status(&cols, "c", "review").map(|c| &*c.id),
            Some("c")
        );
        assert_eq!(
            column_for_status(&cols, "a", "review").map(|c| &*c.id),
            Some("b")
        );
        assert!(column_for_status(&cols, "a", "nope").is_none());
        assert_eq!(status_in(&cols[1], "x"), "ready");
        assert_eq!(status_in(&col("d", &[]), "x"), "x");
    }

    #[test]
    fn insertion_clamps_to_the_end() {
        let mut order = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(insert_at(&mut order, "t", 9), 2);
        assert_eq!(insert_at(&mut order, "u", 0), 0);
        assert_eq!(order, ["u", "a", "b", "t"]);
    }

    #[test]
    fn wip_limits_count_the_other_tasks() {
        let mut c = col("a", &[]);
        c.wip_limit = Some(2);
        assert!(check_wip(&c, 1).is_ok());
        assert_eq!(check_wip(&c, 2).map_err(|e| e.status().as_u16()), Err(409));
    }

    #[test]
    fn claimable_statuses_follow_the_semantics_when_given() {
        assert!(claimable("ready", None));
        assert!(!claimable("done", None));
        let only = vec!["todo".to_owned()];
        assert!(claimable("todo", Some(&only)));
        assert!(!claimable("ready", Some(&only)));
        assert!(claimable("ready", Some(&[])));
    }

    #[test]
    fn branch_names_are_stable_slugs() {
        assert_eq!(
            branch_name("tsk_1", "Implement OAuth login!"),
            "feat/tsk_1-implement-oauth-login"
        );
        assert_eq!(branch_name("tsk_1", "!!!"), "feat/tsk_1");
        assert!(branch_name("tsk_1", &"word ".repeat(40)).len() <= "feat/tsk_1-".len() + 40);
    }

    #[test]
    fn notes_stay_bounded() {
        let mut meta = serde_json::json!({"keep": 1});
        for i in 0..(MAX_NOTES + 5) {
            add_note(&mut meta, "a", "b", &i.to_string(), 1);
        }
        let notes = meta["transition_notes"].as_array().expect("array");
        assert_eq!(notes.len(), MAX_NOTES);
        assert_eq!(notes[0]["note"], "5");
        assert_eq!(meta["keep"], 1);
    }

    #[test]
    fn field_rules() {
        let mut errors = Vec::new();
        status("status", "in_progress", &mut errors);
        tags(&["a".into()], &mut errors);
        hours(3.5, &mut errors);
        metadata(&serde_json::json!({}), &mut errors);
        agent("agentId", "agt_abc", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        status("status", "In Progress", &mut errors);
        tags(&vec!["a".to_owned(); MAX_TAGS + 1], &mut errors);
        hours(-1.0, &mut errors);
        metadata(&serde_json::json!([]), &mut errors);
        agent("agentId", "bob", &mut errors);
        assert_eq!(errors.len(), 5);
    }
}
