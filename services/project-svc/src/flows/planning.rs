//! Planning: the Gantt timeline computed from the dependency graph, and the bulk import of a
//! planner's task breakdown. (`plan`, which requests a planning run, is in flows::execution.)

use std::collections::BTreeMap;

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::project::TasksImported;
use shared_schemas::ids::{ProjectId, TaskId};

use crate::api::dependencies::GraphError;
use crate::api::planning::{ImportRequest, ImportResponse, TimelineResponse, TimelineTask};
use crate::domain::graph::{Dag, Indexed, ScheduleFacts, round1, schedule, trace_latest};
use crate::domain::import;
use crate::domain::limits::{self, Limits};
use crate::flows::dependencies::edge_pairs;
use crate::flows::{commit_with, open_project, project_ref};
use crate::store::dependencies as graph_store;
use crate::store::import::{self as store, NewTask};
use crate::store::tasks as task_store;

/// Forward scheduling from the project's creation (see the route's description).
pub async fn timeline(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    hours_per_day: f64,
) -> Result<TimelineResponse, ApiError> {
    let project = project_ref(project_id)?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let start = graph_store::project_created_at(&mut tx, &project).await?;
    let tasks = graph_store::tasks(&mut tx, &project).await?;
    let edges = graph_store::edges(&mut tx, &project).await?;
    tx.commit().await?;
    Ok(timeline_response(tasks, &edges, start, hours_per_day))
}

/// Imports the breakdown into the backlog column in one transaction, tasks and `blocks` edges
/// or nothing; TASKS_IMPORTED.
pub async fn import_tasks(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: ImportRequest,
    limits: Limits,
) -> Result<ImportResponse, GraphError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let edges = import::edges(&req.drafts()).map_err(ApiError::validation)?;
    refuse_cycle(&req, &edges)?;
    let tasks = new_tasks(req);
    write_import(&mut tx, project_id, &tasks, &edges, limits).await?;
    let event = Event::TasksImported(TasksImported {
        project_id: ProjectId::parse(project_id).map_err(ApiError::internal)?,
        count: u32::try_from(tasks.len()).unwrap_or(u32::MAX),
    });
    commit_with(tx, vec![event]).await?;
    Ok(import_response(&tasks, edges.len()))
}

/// An unestimated task's hours on the timeline (the reference's value).
const DEFAULT_HOURS: f64 = 4.0;

fn timeline_response(
    tasks: Vec<graph_store::GraphTask>,
    edges: &[graph_store::Edge],
    project_start: i64,
    hours_per_day: f64,
) -> TimelineResponse {
    let graph = Indexed::new(tasks.iter().map(|t| t.id.as_str()), &edge_pairs(edges));
    let hours = |t: &graph_store::GraphTask| t.estimated_hours.unwrap_or(DEFAULT_HOURS);
    let facts: Vec<ScheduleFacts> = tasks
        .iter()
        .map(|t| ScheduleFacts {
            hours: hours(t),
            done_span: t
                .completed_at
                .filter(|_| t.status == "done")
                .map(|end| (t.created_at, end)),
        })
        .collect();
    let dag: &Dag = &graph.blocks;
    let slots = schedule(dag, &dag.kahn(), &facts, project_start, hours_per_day);
    let critical = trace_latest(dag, &slots);
    let total_hours: f64 = tasks.iter().map(hours).sum();
    let project_end = slots.iter().map(|s| s.end).max().unwrap_or(project_start);
    let timeline_tasks = tasks
        .into_iter()
        .enumerate()
        .map(|(i, t)| TimelineTask {
            dependencies: graph.names(dag.predecessors(i)),
            scheduled_start: slots[i].start,
            scheduled_end: slots[i].end,
            duration_days: slots[i].duration_days,
            actual: slots[i].actual,
            is_critical: critical.contains(&i),
            id: t.id,
            title: t.title,
            status: t.status,
            priority: t.priority,
            assigned_agent: t.assigned_agent,
            tags: t.tags.0,
            estimated_hours: t.estimated_hours,
        })
        .collect();
    TimelineResponse {
        tasks: timeline_tasks,
        project_start,
        project_end,
        total_hours,
        total_days: round1(total_hours / hours_per_day),
        critical_path: graph.names(&critical),
        hours_per_day,
    }
}

/// The tasks into the backlog column, then their edges (by index into `tasks`), within the
/// project's limits. The project lock (taken first, as adding one edge takes it) and the board
/// lock keep concurrent writers from passing a limit together.
async fn write_import(
    tx: &mut TenantTx,
    project_id: &str,
    tasks: &[NewTask],
    edges: &[(usize, usize)],
    limits: Limits,
) -> Result<(), ApiError> {
    let project = project_ref(project_id)?;
    graph_store::lock_project(tx, &project).await?;
    let landing = store::landing(tx, &project).await?;
    limits::room_for_tasks(
        task_store::count(tx, project_id).await?,
        tasks.len(),
        limits,
    )?;
    let held = graph_store::count(tx, &project).await?;
    limits::room_for_dependencies(held, edges.len(), limits)?;
    let now = crate::store::now_ms();
    store::insert_tasks(tx, &project, &landing, tasks, now).await?;
    let pairs: Vec<(&str, &str)> = edges
        .iter()
        .map(|&(f, t)| (tasks[f].id.as_str(), tasks[t].id.as_str()))
        .collect();
    store::insert_edges(tx, &project, &pairs, now).await
}

fn refuse_cycle(body: &ImportRequest, edges: &[(usize, usize)]) -> Result<(), GraphError> {
    let Err(cycle) = Dag::new(body.tasks.len(), edges.iter().copied()).topological_order() else {
        return Ok(());
    };
    let titles: Vec<String> = cycle
        .iter()
        .map(|&i| body.tasks[i].title.trim().to_owned())
        .collect();
    let detail = format!(
        "the imported tasks' dependencies form a cycle: {}",
        titles.join(" → ")
    );
    Err(GraphError::cycle(detail, titles))
}

fn new_tasks(body: ImportRequest) -> Vec<NewTask> {
    body.tasks
        .into_iter()
        .map(|t| NewTask {
            id: TaskId::generate().into_string(),
            title: t.title.trim().to_owned(),
            description: t.description,
            priority: t.priority.unwrap_or_else(|| "P2".to_owned()),
            tags: t.tags.iter().map(|s| s.trim().to_owned()).collect(),
            estimated_hours: t.estimated_hours,
        })
        .collect()
}

fn import_response(tasks: &[NewTask], dependencies: usize) -> ImportResponse {
    let by_title: BTreeMap<String, String> = tasks
        .iter()
        .map(|t| (t.title.clone(), t.id.clone()))
        .collect();
    ImportResponse {
        status: "imported".to_owned(),
        tasks_created: tasks.len(),
        dependencies_created: dependencies,
        task_ids: by_title.clone(),
        title_to_id: by_title,
        ids: tasks.iter().map(|t| t.id.clone()).collect(),
    }
}
