//! The query and answer of `GET /v1/projects/{project_id}/ready-tasks`.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::graph::ReadyFilter;
use crate::domain::validate::{err, finish};

/// Statuses looked at when `statuses` is absent (the reference's default).
const DEFAULT_STATUSES: [&str; 3] = ["backlog", "planning", "ready"];
const MAX_LIMIT: i64 = 1000;
const MAX_LIST: usize = 20;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReadyQuery {
    /// Only tasks assigned to this agent or to nobody; also lists the agent's tasks in flight.
    pub agent_id: Option<String>,
    /// 1 to 1000, default 20.
    pub limit: Option<i64>,
    /// Comma-separated statuses to consider (default `backlog,planning,ready`); `done` and
    /// `failed` tasks are never ready.
    pub statuses: Option<String>,
    /// Comma-separated work types; tasks without one match too.
    pub work_types: Option<String>,
}

fn list(path: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let items: Vec<String> = raw?
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if items.len() > MAX_LIST || items.iter().any(|s| s.len() > 32) {
        errors.push(err(
            path,
            format!("at most {MAX_LIST} values of up to 32 characters"),
        ));
    }
    Some(items).filter(|items| !items.is_empty())
}

impl Validate for ReadyQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        self.filter().map(|_| ())
    }
}

impl ReadyQuery {
    /// The filter and the limit, or every field error.
    pub fn filter(&self) -> Result<(ReadyFilter, usize), Vec<FieldError>> {
        let mut errors = Vec::new();
        let limit = self.limit.unwrap_or(20);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(err("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        if self
            .agent_id
            .as_ref()
            .is_some_and(|a| a.is_empty() || a.len() > 128)
        {
            errors.push(err("agent_id", "must be 1 to 128 characters"));
        }
        let statuses = list("statuses", self.statuses.as_deref(), &mut errors)
            .unwrap_or_else(|| DEFAULT_STATUSES.map(str::to_owned).to_vec());
        let work_types = list("work_types", self.work_types.as_deref(), &mut errors);
        finish(errors)?;
        let filter = ReadyFilter {
            statuses,
            agent_id: self.agent_id.clone(),
            work_types,
        };
        Ok((filter, usize::try_from(limit).unwrap_or(20)))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DependentTask {
    pub id: String,
    pub title: String,
    pub status: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadyTask {
    pub id: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub assigned_agent: Option<String>,
    pub tags: Vec<String>,
    pub estimated_hours: Option<f64>,
    pub work_type: Option<String>,
    pub completed_stages: serde_json::Value,
    /// The tasks this one blocks, with their status.
    pub blocking_tasks: Vec<DependentTask>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InFlightTask {
    pub id: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub blocks: Vec<DependentTask>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadyResponse {
    /// Ready tasks by priority, then board position.
    pub tasks: Vec<ReadyTask>,
    /// The `agent_id`'s tasks in `in_progress` or `review` (empty without `agent_id`).
    pub in_progress: Vec<InFlightTask>,
}
