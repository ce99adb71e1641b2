//! `GET /v1/projects/{project_id}/ready-tasks`: tasks an agent may start now, because every
//! task that blocks them is done (contract §1.2 projects/tasks).

use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use kit::error::FieldError;
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::domain::graph::{Indexed, ReadyFilter, TaskFacts, ready_tasks};
use crate::domain::validate::{err, field_error, finish};
use crate::routes::dependencies::edge_pairs;
use crate::routes::open_project;
use crate::store::dependencies::{self as store, GraphTask};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(ready))
}

/// Statuses looked at when `statuses` is absent (the reference's default).
const DEFAULT_STATUSES: [&str; 3] = ["backlog", "planning", "ready"];
const MAX_LIMIT: i64 = 1000;
const MAX_LIST: usize = 20;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
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

impl ReadyQuery {
    fn filter(&self) -> Result<(ReadyFilter, usize), Vec<FieldError>> {
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

/// Tasks whose every `blocks` predecessor is done (a subtask also waits for its parent's),
/// in a listed status, optionally only the agent's or unassigned ones and of some work types.
#[utoipa::path(get, path = "/v1/projects/{project_id}/ready-tasks", tag = "projects",
    params(("project_id" = String, Path), ReadyQuery),
    responses((status = 200, body = ReadyResponse), (status = 404), (status = 422)))]
async fn ready(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    query: Result<Query<ReadyQuery>, QueryRejection>,
) -> Result<Json<ReadyResponse>, ApiError> {
    let Query(query) = query.map_err(|e| field_error("query", e.body_text()))?;
    let (filter, limit) = query.filter().map_err(ApiError::validation)?;
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let tasks = store::tasks(&mut tx, &project_id).await?;
    let edges = store::edges(&mut tx, &project_id).await?;
    let view = View::new(&tasks, &edges);
    let chosen: Vec<usize> = view.ready(&filter).into_iter().take(limit).collect();
    let ids: Vec<String> = chosen.iter().map(|&i| tasks[i].id.clone()).collect();
    let descriptions: HashMap<String, String> = store::descriptions(&mut tx, &project_id, &ids)
        .await?
        .into_iter()
        .collect();
    tx.commit().await?;
    let in_progress = view.in_flight(filter.agent_id.as_deref());
    let tasks = chosen
        .iter()
        .map(|&i| view.ready_task(i, &descriptions))
        .collect();
    Ok(Json(ReadyResponse { tasks, in_progress }))
}

/// The loaded tasks with their graph.
struct View<'a> {
    tasks: &'a [GraphTask],
    graph: Indexed,
}

impl<'a> View<'a> {
    fn new(tasks: &'a [GraphTask], edges: &[store::Edge]) -> Self {
        let graph = Indexed::new(tasks.iter().map(|t| t.id.as_str()), &edge_pairs(edges));
        Self { tasks, graph }
    }

    fn ready(&self, filter: &ReadyFilter) -> Vec<usize> {
        let facts: Vec<TaskFacts> = self
            .tasks
            .iter()
            .map(|t| TaskFacts {
                status: t.status.clone(),
                parent: t
                    .parent_task_id
                    .as_ref()
                    .and_then(|p| self.graph.index.get(p).copied()),
                assigned_agent: t.assigned_agent.clone(),
                work_type: t.work_type.clone(),
            })
            .collect();
        ready_tasks(&facts, &self.graph.blocks, filter)
    }

    fn blocked_by(&self, i: usize) -> Vec<DependentTask> {
        self.graph
            .blocks
            .successors(i)
            .iter()
            .filter_map(|&s| self.tasks.get(s))
            .map(|t| DependentTask {
                id: t.id.clone(),
                title: t.title.clone(),
                status: t.status.clone(),
            })
            .collect()
    }

    fn ready_task(&self, i: usize, descriptions: &HashMap<String, String>) -> ReadyTask {
        let t = &self.tasks[i];
        let description = descriptions.get(&t.id).cloned().unwrap_or_default();
        ReadyTask {
            id: t.id.clone(),
            title: t.title.clone(),
            description,
            status: t.status.clone(),
            priority: t.priority.clone(),
            assigned_agent: t.assigned_agent.clone(),
            tags: t.tags.0.clone(),
            estimated_hours: t.estimated_hours,
            work_type: t.work_type.clone(),
            completed_stages: t
                .completed_stages
                .as_ref()
                .map_or_else(|| serde_json::json!([]), |s| s.0.clone()),
            blocking_tasks: self.blocked_by(i),
        }
    }

    fn in_flight(&self, agent: Option<&str>) -> Vec<InFlightTask> {
        let Some(agent) = agent else {
            return Vec::new();
        };
        self.tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.assigned_agent.as_deref() == Some(agent))
            .filter(|(_, t)| t.status == "in_progress" || t.status == "review")
            .map(|(i, t)| InFlightTask {
                id: t.id.clone(),
                title: t.title.clone(),
                status: t.status.clone(),
                priority: t.priority.clone(),
                blocks: self.blocked_by(i),
            })
            .collect()
    }
}
