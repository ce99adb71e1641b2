//! Dependencies between a project's tasks: add and remove edges, and the whole graph. The
//! graph of all edges stays acyclic: an edge that would close a cycle is refused with 409
//! `dependency_cycle` naming the cycle.

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::project::{DependencyAdded, DependencyKind, DependencyRemoved};
use shared_schemas::ids::{ProjectId, TaskId};

use crate::api::dependencies::{AddDependencyRequest, GraphError, GraphNode, GraphResponse};
use crate::domain::graph::Indexed;
use crate::domain::limits::{self, Limits};
use crate::flows::{commit_with, open_project, project_ref};
use crate::store::dependencies::{self as store, Edge, GraphTask};

/// Adds "`from_task_id` must complete before `task_id`"; DEPENDENCY_ADDED.
pub async fn add(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    req: AddDependencyRequest,
    limits: Limits,
) -> Result<Edge, GraphError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let edge = add_edge(
        &mut tx,
        project_id,
        &req.from_task_id,
        task_id,
        req.kind,
        limits,
    )
    .await?;
    let (project, from, to) = ids(project_id, [&edge.from_task_id, &edge.to_task_id])?;
    let event = Event::DependencyAdded(DependencyAdded {
        project_id: project,
        from_task_id: from,
        to_task_id: to,
        kind: req.kind,
    });
    commit_with(tx, vec![event]).await?;
    Ok(edge)
}

/// Removes a dependency that `task_id` waits on (or that waits on it); DEPENDENCY_REMOVED.
pub async fn remove(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    dep_id: &str,
) -> Result<(), ApiError> {
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    store::require_task(&mut tx, &project, task_id).await?;
    let edge = store::delete(&mut tx, &project, task_id, dep_id).await?;
    let (project, from, to) = ids(project_id, [&edge.from_task_id, &edge.to_task_id])?;
    let event = Event::DependencyRemoved(DependencyRemoved {
        project_id: project,
        from_task_id: from,
        to_task_id: to,
    });
    commit_with(tx, vec![event]).await
}

/// The project's tasks and dependencies, a topological order and the critical path.
pub async fn graph(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
) -> Result<GraphResponse, ApiError> {
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let tasks = store::tasks(&mut tx, &project).await?;
    let edges = store::edges(&mut tx, &project).await?;
    tx.commit().await?;
    Ok(graph_response(tasks, edges))
}

fn kind_name(kind: DependencyKind) -> &'static str {
    match kind {
        DependencyKind::Blocks => "blocks",
        DependencyKind::Informs => "informs",
    }
}

/// Ids read back from our own rows; they were checked on the way in.
pub fn ids(project: &str, tasks: [&str; 2]) -> Result<(ProjectId, TaskId, TaskId), ApiError> {
    let [from, to] = tasks;
    Ok((
        ProjectId::parse(project).map_err(ApiError::internal)?,
        TaskId::parse(from).map_err(ApiError::internal)?,
        TaskId::parse(to).map_err(ApiError::internal)?,
    ))
}

/// Checks and inserts one edge with the project locked, so that concurrent inserts see each
/// other's edges before deciding whether theirs closes a cycle or passes the limit.
async fn add_edge(
    tx: &mut TenantTx,
    project_id: &str,
    from: &str,
    to: &str,
    kind: DependencyKind,
    limits: Limits,
) -> Result<Edge, GraphError> {
    let project = project_ref(project_id)?;
    store::require_task(tx, &project, to).await?;
    if from == to {
        return Err(
            kit::validate::field_error("fromTaskId", "a task cannot depend on itself").into(),
        );
    }
    store::require_task(tx, &project, from).await?;
    store::lock_project(tx, &project).await?;
    store::refuse_duplicate(tx, &project, from, to).await?;
    let edges = store::edges(tx, &project).await?;
    let held = i64::try_from(edges.len()).unwrap_or(i64::MAX);
    limits::room_for_dependencies(held, 1, limits)?;
    let pairs: Vec<(&str, &str, bool)> = edges
        .iter()
        .map(|e| (e.from_task_id.as_str(), e.to_task_id.as_str(), true))
        .collect();
    let graph = Indexed::new([from, to], &pairs);
    if let Some(cycle) = graph
        .all
        .cycle_closed_by(graph.index[from], graph.index[to])
    {
        let cycle = graph.names(&cycle);
        let titles = store::titles(tx, &project, &cycle).await?;
        let named: Vec<String> = cycle
            .iter()
            .map(|id| match titles.iter().find(|(t, _)| t == id) {
                Some((_, title)) => format!("{title} ({id})"),
                None => id.clone(),
            })
            .collect();
        let detail = format!("this dependency would close a cycle: {}", named.join(" → "));
        return Err(GraphError::cycle(detail, cycle));
    }
    Ok(store::insert(
        tx,
        &project,
        from,
        to,
        kind_name(kind),
        crate::store::now_ms(),
    )
    .await?)
}

/// Both kinds of edge in one list, as `Indexed::new` takes them.
pub fn edge_pairs(edges: &[Edge]) -> Vec<(&str, &str, bool)> {
    edges
        .iter()
        .map(|e| {
            (
                e.from_task_id.as_str(),
                e.to_task_id.as_str(),
                e.kind == "blocks",
            )
        })
        .collect()
}

fn graph_response(tasks: Vec<GraphTask>, edges: Vec<Edge>) -> GraphResponse {
    let graph = Indexed::new(tasks.iter().map(|t| t.id.as_str()), &edge_pairs(&edges));
    // Complete unless rows written around the API hold a cycle; then it covers what it can.
    let order = graph.blocks.kahn();
    let hours = |i: usize| tasks.get(i).and_then(|t| t.estimated_hours).unwrap_or(1.0);
    let critical = graph.blocks.critical_path(&order, hours);
    GraphResponse {
        topological_order: graph.names(&order),
        critical_path: graph.names(&critical),
        nodes: tasks
            .into_iter()
            .map(|t| GraphNode {
                id: t.id,
                title: t.title,
                status: t.status,
                priority: t.priority,
                assigned_agent: t.assigned_agent,
                estimated_hours: t.estimated_hours,
            })
            .collect(),
        edges,
    }
}
