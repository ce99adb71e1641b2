//! Requests and answers of a project's tasks (`/v1/projects/{project_id}/tasks[/{task_id}]`):
//! camelCase requests, snake_case rows, as the reference.

use kit::error::FieldError;
use kit::extract::Validate;
use kit::validate::{err, finish};
use serde::{Deserialize, Deserializer, Serialize};

use crate::api::page::Page;
use crate::domain::tasks::{self as rules, Priority, Task};
use crate::store::tasks::{Blocking, Dependent, Subtask, TaskRun};

/// An explicit JSON `null` is `Some(None)` (clear the field); an absent field stays `None`.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTaskRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_priority")]
    pub priority: Priority,
    /// An agent id (`agt_…`).
    pub assigned_agent: Option<String>,
    /// One of this project's workflows; the task takes its pipeline.
    pub workflow_id: Option<String>,
    /// A task of this project.
    pub parent_task_id: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub estimated_hours: Option<f64>,
    /// A column of this project; without it, the first column carrying `status`.
    pub column_id: Option<String>,
    /// Defaults to the column's first status (or `backlog`).
    pub status: Option<String>,
    #[serde(default = "empty_object")]
    pub metadata: serde_json::Value,
    pub work_type: Option<String>,
}

fn default_priority() -> Priority {
    Priority::P2
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

impl Validate for CreateTaskRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        rules::title(&self.title, &mut e);
        rules::description(Some(&self.description), &mut e);
        if let Some(a) = &self.assigned_agent {
            rules::agent("assignedAgent", a, &mut e);
        }
        for (path, v) in [
            ("workflowId", &self.workflow_id),
            ("parentTaskId", &self.parent_task_id),
            ("columnId", &self.column_id),
        ] {
            if let Some(v) = v {
                rules::reference(path, v, &mut e);
            }
        }
        rules::tags(&self.tags, &mut e);
        if let Some(h) = self.estimated_hours {
            rules::hours(h, &mut e);
        }
        if let Some(s) = &self.status {
            rules::status("status", s, &mut e);
        }
        if let Some(w) = &self.work_type {
            rules::status("workType", w, &mut e);
        }
        rules::metadata(&self.metadata, &mut e);
        finish(e)
    }
}

/// Fields to change; absent (or null) fields stay. An explicit null clears `assignedAgent`,
/// `workflowId` and `estimatedHours`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTaskRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Moves the task to a column carrying the status when its own does not (422 when none
    /// does).
    pub status: Option<String>,
    pub priority: Option<Priority>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub assigned_agent: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub workflow_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>)]
    pub estimated_hours: Option<Option<f64>>,
    pub metadata: Option<serde_json::Value>,
}

impl Validate for UpdateTaskRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if let Some(t) = &self.title {
            rules::title(t, &mut e);
        }
        rules::description(self.description.as_deref(), &mut e);
        if let Some(s) = &self.status {
            rules::status("status", s, &mut e);
        }
        if let Some(Some(a)) = &self.assigned_agent {
            rules::agent("assignedAgent", a, &mut e);
        }
        if let Some(Some(w)) = &self.workflow_id {
            rules::reference("workflowId", w, &mut e);
        }
        if let Some(t) = &self.tags {
            rules::tags(t, &mut e);
        }
        if let Some(Some(h)) = self.estimated_hours {
            rules::hours(h, &mut e);
        }
        if let Some(m) = &self.metadata {
            rules::metadata(m, &mut e);
        }
        finish(e)
    }
}

/// Filters of the list (all optional) and the page: `limit` 1..=500 (default 100),
/// `offset` ≥ 0. The total of matching tasks is in the `X-Total-Count` header, the next page
/// in `Link` while more follow.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<String>,
    /// `P0` … `P3`.
    pub priority: Option<String>,
    /// Tasks assigned to this agent id.
    pub agent: Option<String>,
    /// Tasks carrying this tag.
    pub tag: Option<String>,
    pub column_id: Option<String>,
    /// Case-insensitive text in the title or description.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub const MAX_LIMIT: i64 = 500;
pub const DEFAULT_LIMIT: i64 = 100;

impl ListQuery {
    pub fn page(&self) -> Page {
        Page::new(self.limit, self.offset, DEFAULT_LIMIT)
    }

    /// The filters as the next page's link repeats them, URL-encoded.
    pub fn filters(&self) -> Vec<String> {
        [
            ("status", &self.status),
            ("priority", &self.priority),
            ("agent", &self.agent),
            ("tag", &self.tag),
            ("column_id", &self.column_id),
            ("q", &self.q),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref()?;
            Some(
                form_urlencoded::Serializer::new(String::new())
                    .append_pair(name, value)
                    .finish(),
            )
        })
        .collect()
    }
}

impl Validate for ListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if let Some(p) = &self.priority
            && !["P0", "P1", "P2", "P3"].contains(&p.as_str())
        {
            e.push(err("priority", "must be one of P0, P1, P2, P3"));
        }
        for (path, v) in [
            ("status", &self.status),
            ("agent", &self.agent),
            ("tag", &self.tag),
            ("column_id", &self.column_id),
            ("q", &self.q),
        ] {
            if let Some(v) = v {
                rules::reference(path, v, &mut e);
            }
        }
        if !(1..=MAX_LIMIT).contains(&self.limit.unwrap_or(DEFAULT_LIMIT)) {
            e.push(err("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        if self.offset.unwrap_or(0) < 0 {
            e.push(err("offset", "must not be negative"));
        }
        finish(e)
    }
}

/// A task with what surrounds it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: Task,
    /// Edges into the task: these must finish first.
    pub blocking_dependencies: Vec<Blocking>,
    /// Edges out of the task: these wait for it.
    pub dependents: Vec<Dependent>,
    pub subtasks: Vec<Subtask>,
    /// Newest first.
    pub run_history: Vec<TaskRun>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Deleted {
    /// `deleted`.
    pub status: &'static str,
}
