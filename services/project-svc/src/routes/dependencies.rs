//! Dependencies between a project's tasks (contract §1.2 projects/dependencies): add and remove
//! edges, and the whole graph for visualisation. The graph of all edges stays acyclic: an edge
//! that would close a cycle is refused with 409 `dependency_cycle` naming the cycle.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use shared_schemas::events::Event;
use shared_schemas::events::project::{DependencyAdded, DependencyKind, DependencyRemoved};
use shared_schemas::ids::{ProjectId, TaskId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::graph::Indexed;
use crate::domain::validate::{err, finish};
use crate::flows::{commit_with, open_project};
use crate::store::dependencies::{self as store, Edge, GraphTask};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add))
        .routes(routes!(remove))
        .routes(routes!(graph))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddDependencyRequest {
    /// The task that must complete first (a task of the same project).
    pub from_task_id: String,
    /// `blocks` (default: the task cannot start before) or `informs` (context only).
    #[serde(default = "blocks", rename = "type")]
    pub kind: DependencyKind,
}

fn blocks() -> DependencyKind {
    DependencyKind::Blocks
}

impl Validate for AddDependencyRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.from_task_id.is_empty() || self.from_task_id.len() > 64 {
            errors.push(err("fromTaskId", "must be a task id (1 to 64 characters)"));
        }
        finish(errors)
    }
}

/// The reference's answer: `{id, from, to, type}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DependencyResponse {
    pub id: String,
    pub from: String,
    pub to: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// 409 `dependency_cycle`: the error body plus the cycle as task ids, first = last.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CycleBody {
    pub detail: String,
    pub code: String,
    pub cycle: Vec<String>,
}

/// Our error body, or the cycle refusal that also lists the cycle.
#[derive(Debug)]
pub enum GraphError {
    Api(ApiError),
    Cycle(CycleBody),
}

impl GraphError {
    pub fn cycle(detail: String, cycle: Vec<String>) -> Self {
        Self::Cycle(CycleBody {
            detail,
            code: "dependency_cycle".into(),
            cycle,
        })
    }
}

impl<E: Into<ApiError>> From<E> for GraphError {
    fn from(e: E) -> Self {
        Self::Api(e.into())
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        match self {
            Self::Api(e) => e.into_response(),
            Self::Cycle(body) => (StatusCode::CONFLICT, Json(body)).into_response(),
        }
    }
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

/// Adds "`fromTaskId` must complete before `task_id`"; 404 for a task of another project,
/// 409 `dependency_exists` or `dependency_cycle`.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/dependencies",
    tag = "projects", request_body = AddDependencyRequest,
    params(("project_id" = String, Path), ("task_id" = String, Path, description = "the task that waits")),
    responses((status = 201, body = DependencyResponse), (status = 404), (status = 409, body = CycleBody),
        (status = 422)))]
async fn add(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(body): ValidJson<AddDependencyRequest>,
) -> Result<(StatusCode, Json<DependencyResponse>), GraphError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let edge = add_edge(
        &mut tx,
        &project_id,
        &body.from_task_id,
        &task_id,
        body.kind,
    )
    .await?;
    let (project, from, to) = ids(&project_id, [&edge.from_task_id, &edge.to_task_id])?;
    let event = Event::DependencyAdded(DependencyAdded {
        project_id: project,
        from_task_id: from,
        to_task_id: to,
        kind: body.kind,
    });
    commit_with(tx, vec![event]).await?;
    Ok((StatusCode::CREATED, Json(edge.into())))
}

impl From<Edge> for DependencyResponse {
    fn from(e: Edge) -> Self {
        Self {
            id: e.id,
            from: e.from_task_id,
            to: e.to_task_id,
            kind: e.kind,
        }
    }
}

/// Checks and inserts one edge with the project locked, so that concurrent inserts see each
/// other's edges before deciding whether theirs closes a cycle.
async fn add_edge(
    tx: &mut kit::db::TenantTx,
    project_id: &str,
    from: &str,
    to: &str,
    kind: DependencyKind,
) -> Result<Edge, GraphError> {
    store::require_task(tx, project_id, to).await?;
    if from == to {
        return Err(
            kit::validate::field_error("fromTaskId", "a task cannot depend on itself").into(),
        );
    }
    store::require_task(tx, project_id, from).await?;
    store::lock_project(tx, project_id).await?;
    store::refuse_duplicate(tx, project_id, from, to).await?;
    let edges = store::edges(tx, project_id).await?;
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
        let titles = store::titles(tx, project_id, &cycle).await?;
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
        project_id,
        from,
        to,
        kind_name(kind),
        crate::store::now_ms(),
    )
    .await?)
}

/// Removes a dependency that `task_id` waits on (or that waits on `task_id`).
#[utoipa::path(delete, path = "/v1/projects/{project_id}/tasks/{task_id}/dependencies/{dep_id}",
    tag = "projects",
    params(("project_id" = String, Path), ("task_id" = String, Path), ("dep_id" = String, Path)),
    responses((status = 200, description = "`{\"status\": \"removed\"}`"), (status = 404)))]
async fn remove(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id, dep_id)): Path<(String, String, String)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    store::require_task(&mut tx, &project_id, &task_id).await?;
    let edge = store::delete(&mut tx, &project_id, &task_id, &dep_id).await?;
    let (project, from, to) = ids(&project_id, [&edge.from_task_id, &edge.to_task_id])?;
    let event = Event::DependencyRemoved(DependencyRemoved {
        project_id: project,
        from_task_id: from,
        to_task_id: to,
    });
    commit_with(tx, vec![event]).await?;
    Ok(Json(serde_json::json!({ "status": "removed" })))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GraphNode {
    pub id: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub assigned_agent: Option<String>,
    pub estimated_hours: Option<f64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GraphResponse {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<Edge>,
    /// Every task, each after the tasks that block it (only `blocks` edges order work).
    pub topological_order: Vec<String>,
    /// The chain of `blocks` edges with the most estimated hours (1 hour when unestimated).
    pub critical_path: Vec<String>,
}

/// The project's tasks and dependencies, a topological order and the critical path.
#[utoipa::path(get, path = "/v1/projects/{project_id}/dependency-graph", tag = "projects",
    params(("project_id" = String, Path)),
    responses((status = 200, body = GraphResponse), (status = 404)))]
async fn graph(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
) -> Result<Json<GraphResponse>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let tasks = store::tasks(&mut tx, &project_id).await?;
    let edges = store::edges(&mut tx, &project_id).await?;
    tx.commit().await?;
    Ok(Json(graph_response(tasks, edges)))
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
