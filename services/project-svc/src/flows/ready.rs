//! Tasks an agent may start now, because every task that blocks them is done.

use std::collections::HashMap;

use kit::{ApiError, Platform, TenantContext};

use crate::api::ready::{DependentTask, InFlightTask, ReadyResponse, ReadyTask};
use crate::domain::graph::{Indexed, ReadyFilter, TaskFacts, ready_tasks};
use crate::flows::dependencies::edge_pairs;
use crate::flows::{open_project, project_ref};
use crate::store::dependencies::{self as store, GraphTask};

/// The first `limit` ready tasks by priority, then board position, and the filter's agent's
/// tasks in flight.
pub async fn ready(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    filter: ReadyFilter,
    limit: usize,
) -> Result<ReadyResponse, ApiError> {
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let tasks = store::tasks(&mut tx, &project).await?;
    let edges = store::edges(&mut tx, &project).await?;
    let view = View::new(&tasks, &edges);
    let chosen: Vec<usize> = view.ready(&filter).into_iter().take(limit).collect();
    let ids: Vec<String> = chosen.iter().map(|&i| tasks[i].id.clone()).collect();
    let descriptions: HashMap<String, String> = store::descriptions(&mut tx, &project, &ids)
        .await?
        .into_iter()
        .collect();
    tx.commit().await?;
    let in_progress = view.in_flight(filter.agent_id.as_deref());
    let tasks = chosen
        .iter()
        .map(|&i| view.ready_task(i, &descriptions))
        .collect();
    Ok(ReadyResponse { tasks, in_progress })
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
