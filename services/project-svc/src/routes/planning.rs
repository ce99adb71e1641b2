//! Planning views and input (contract §1.2 projects/planning): the Gantt timeline computed from
//! the dependency graph, and the bulk import of a planner's task breakdown. (`plan`, which
//! starts a planning run in engine-svc, lives with the other run starters.)

use std::collections::BTreeMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use shared_schemas::events::Event;
use shared_schemas::events::project::TasksImported;
use shared_schemas::ids::{ProjectId, TaskId};

use crate::AppState;
use crate::domain::graph::{Dag, Indexed, ScheduleFacts, round1, schedule, trace_latest};
use crate::domain::import::{self, Draft, TaskRef};
use crate::domain::validate::{field_error, finish};
use crate::flows::{commit_with, open_project};
use crate::routes::dependencies::{GraphError, edge_pairs};
use crate::store::dependencies as graph_store;
use crate::store::import::{self as store, NewTask};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(timeline))
        .routes(routes!(import_tasks))
}

/// An unestimated task's hours on the timeline (the reference's value).
const DEFAULT_HOURS: f64 = 4.0;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// Working hours in a day, more than 0 and at most 24 (default 8).
    pub hours_per_day: Option<f64>,
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

/// Forward scheduling from the project's creation: a done task spans created → completed;
/// any other starts when the last task blocking it ends and lasts its estimate (4 hours when
/// absent) at `hours_per_day` working hours per calendar day. The critical path runs back from
/// the task that ends last through the blocker that ends last.
#[utoipa::path(get, path = "/v1/projects/{project_id}/timeline", tag = "projects",
    params(("project_id" = String, Path), TimelineQuery),
    responses((status = 200, body = TimelineResponse), (status = 404), (status = 422)))]
async fn timeline(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    query: Result<Query<TimelineQuery>, QueryRejection>,
) -> Result<Json<TimelineResponse>, ApiError> {
    let Query(query) = query.map_err(|e| field_error("query", e.body_text()))?;
    let hours_per_day = query.hours_per_day.unwrap_or(8.0);
    if !(hours_per_day > 0.0 && hours_per_day <= 24.0) {
        return Err(field_error(
            "hours_per_day",
            "must be more than 0 and at most 24",
        ));
    }
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let start = graph_store::project_created_at(&mut tx, &project_id).await?;
    let tasks = graph_store::tasks(&mut tx, &project_id).await?;
    let edges = graph_store::edges(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(timeline_response(tasks, &edges, start, hours_per_day)))
}

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
    fn drafts(&self) -> Vec<Draft<'_>> {
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

/// Imports a task breakdown into the backlog column in one transaction: all tasks and their
/// `blocks` edges, or nothing (a cycle among them is 409 `dependency_cycle` naming it by
/// titles; a reference to no task of the import is 422). Publishes TASKS_IMPORTED.
#[utoipa::path(post, path = "/v1/projects/{project_id}/import", tag = "projects",
    params(("project_id" = String, Path)), request_body = ImportRequest,
    responses((status = 201, body = ImportResponse), (status = 404),
        (status = 409, body = crate::routes::dependencies::CycleBody), (status = 422)))]
async fn import_tasks(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(body): ValidJson<ImportRequest>,
) -> Result<(StatusCode, Json<ImportResponse>), GraphError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let edges = import::edges(&body.drafts()).map_err(ApiError::validation)?;
    refuse_cycle(&body, &edges)?;
    let tasks = new_tasks(body);
    write_import(&mut tx, &project_id, &tasks, &edges).await?;
    let event = Event::TasksImported(TasksImported {
        project_id: ProjectId::parse(project_id).map_err(ApiError::internal)?,
        count: u32::try_from(tasks.len()).unwrap_or(u32::MAX),
    });
    commit_with(tx, vec![event]).await?;
    Ok((
        StatusCode::CREATED,
        Json(import_response(&tasks, edges.len())),
    ))
}

/// The tasks into the backlog column, then their edges (by index into `tasks`).
async fn write_import(
    tx: &mut kit::db::TenantTx,
    project_id: &str,
    tasks: &[NewTask],
    edges: &[(usize, usize)],
) -> Result<(), ApiError> {
    let landing = store::landing(tx, project_id).await?;
    let now = crate::store::now_ms();
    store::insert_tasks(tx, project_id, &landing, tasks, now).await?;
    let pairs: Vec<(&str, &str)> = edges
        .iter()
        .map(|&(f, t)| (tasks[f].id.as_str(), tasks[t].id.as_str()))
        .collect();
    store::insert_edges(tx, project_id, &pairs, now).await
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
