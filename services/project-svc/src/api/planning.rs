//! Requests and answers of a project's planning views: the Gantt timeline and the bulk import
//! of a planner's task breakdown.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::import::{self, Draft, TaskRef};
use crate::domain::validate::{field_error, finish};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Working hours in a day, more than 0 and at most 24 (default 8).
    pub hours_per_day: Option<f64>,
}

impl Validate for TimelineQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        self.hours_per_day().map(|_| ()).map_err(|_| {
            vec![kit::validate::err(
                "hours_per_day",
                "must be more than 0 and at most 24",
            )]
        })
    }
}

impl TimelineQuery {
    /// The working hours in a day (8 when absent); 422 outside (0, 24].
    pub fn hours_per_day(&self) -> Result<f64, ApiError> {
        let hours = self.hours_per_day.unwrap_or(8.0);
        if hours > 0.0 && hours <= 24.0 {
            Ok(hours)
        } else {
            Err(field_error(
                "hours_per_day",
                "must be more than 0 and at most 24",
            ))
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineTask {
    pub id: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub assigned_agent: Option<String>,
    pub tags: Vec<String>,
    pub estimated_hours: Option<f64>,
    /// The tasks that block this one.
    pub dependencies: Vec<String>,
    pub scheduled_start: i64,
    pub scheduled_end: i64,
    pub duration_days: f64,
    /// True for a done task: its span is created → completed, not planned.
    pub actual: bool,
    pub is_critical: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineResponse {
    pub tasks: Vec<TimelineTask>,
    pub project_start: i64,
    pub project_end: i64,
    pub total_hours: f64,
    pub total_days: f64,
    pub critical_path: Vec<String>,
    pub hours_per_day: f64,
}

/// The reference's `BulkImportTasksRequest`, with its task fields spelled out.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    pub tasks: Vec<ImportTask>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImportTask {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// P0 to P3 (default P2).
    pub priority: Option<String>,
    pub estimated_hours: Option<f64>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tasks of this import that must complete first: 0-based indexes into `tasks` or exact
    /// titles (`dependencies` is accepted too, as the planner writes it).
    #[serde(default, alias = "dependencies")]
    pub depends_on: Vec<TaskRef>,
}

impl ImportRequest {
    pub fn drafts(&self) -> Vec<Draft<'_>> {
        self.tasks
            .iter()
            .map(|t| Draft {
                title: &t.title,
                description: &t.description,
                priority: t.priority.as_deref(),
                estimated_hours: t.estimated_hours,
                tags: &t.tags,
                depends_on: &t.depends_on,
            })
            .collect()
    }
}

impl Validate for ImportRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        finish(import::check(&self.drafts()))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResponse {
    /// `imported`.
    pub status: String,
    pub tasks_created: usize,
    pub dependencies_created: usize,
    /// Title → id (with repeated titles, the last task of that title).
    pub task_ids: BTreeMap<String, String>,
    /// The same mapping, under the reference's second name.
    pub title_to_id: BTreeMap<String, String>,
    /// The new ids in the order of `tasks`.
    pub ids: Vec<String>,
}
