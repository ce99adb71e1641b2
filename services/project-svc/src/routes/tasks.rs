//! `/v1/projects/{project_id}/tasks[/{task_id}]`: a project's tasks (contract §1.2
//! projects/tasks). camelCase requests, snake_case rows, as the reference. Any credential of
//! the tenant (user, agent, service JWT) reads and writes, as the reference's `bearer` routes.
//! Moves, claims and transitions are in [`super::task_moves`].

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::validate::{err, finish};
use kit::{ApiError, Platform, TenantContext};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::tasks::{self as rules, Priority};
use crate::flows::task_changes::{self, NewTask, TaskPatch};
use crate::flows::{commit_with, open_project};
use crate::store::tasks::{self as store, Blocking, Dependent, Filter, Subtask, Task, TaskRun};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}

/// A query string parsed into `T` and checked by `T::validate`; failures are 422 with paths.
pub struct ValidQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Validate> FromRequestParts<S> for ValidQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(value) = Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::validation(vec![err("query", e.body_text())]))?;
        value.validate().map_err(ApiError::validation)?;
        Ok(Self(value))
    }
}

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

impl From<CreateTaskRequest> for NewTask {
    fn from(r: CreateTaskRequest) -> Self {
        Self {
            title: r.title,
            description: r.description,
            priority: r.priority,
            assigned_agent: r.assigned_agent,
            workflow_id: r.workflow_id,
            parent_task_id: r.parent_task_id,
            tags: r.tags,
            estimated_hours: r.estimated_hours,
            column_id: r.column_id,
            status: r.status,
            metadata: r.metadata,
            work_type: r.work_type,
        }
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

impl From<UpdateTaskRequest> for TaskPatch {
    fn from(r: UpdateTaskRequest) -> Self {
        Self {
            title: r.title,
            description: r.description,
            status: r.status,
            priority: r.priority,
            assigned_agent: r.assigned_agent,
            workflow_id: r.workflow_id,
            tags: r.tags,
            estimated_hours: r.estimated_hours,
            metadata: r.metadata,
        }
    }
}

/// Filters of the list (all optional) and the page: `limit` 1..=500 (default 100),
/// `offset` ≥ 0. The total of matching tasks is in the `X-Total-Count` header.
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

const MAX_LIMIT: i64 = 500;
const DEFAULT_LIMIT: i64 = 100;

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

impl From<ListQuery> for Filter {
    fn from(q: ListQuery) -> Self {
        Self {
            status: q.status,
            priority: q.priority,
            agent: q.agent,
            tag: q.tag,
            column_id: q.column_id,
            q: q.q,
            limit: q.limit.unwrap_or(DEFAULT_LIMIT),
            offset: q.offset.unwrap_or(0),
        }
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

/// The project's tasks in board order (column position, then place in the column).
#[utoipa::path(get, path = "/v1/projects/{project_id}/tasks", tag = "tasks",
    params(("project_id" = String, Path), ListQuery),
    responses((status = 200, body = [Task], headers(("X-Total-Count" = i64))), (status = 404), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> Result<([(&'static str, String); 1], Json<Vec<Task>>), ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let (tasks, total) = store::list(&mut tx, &project_id, &q.into()).await?;
    tx.commit().await?;
    Ok(([("x-total-count", total.to_string())], Json(tasks)))
}

/// Creates a task at the end of its column; TASK_CREATED.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks", tag = "tasks",
    params(("project_id" = String, Path)), request_body = CreateTaskRequest,
    responses((status = 201, body = Task), (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(project_id): Path<String>,
    ValidJson(req): ValidJson<CreateTaskRequest>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let (task, events) = task_changes::create(&mut tx, &project_id, req.into()).await?;
    commit_with(tx, events).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

#[utoipa::path(get, path = "/v1/projects/{project_id}/tasks/{task_id}", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = TaskDetail), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
) -> Result<Json<TaskDetail>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let task = store::require(&mut tx, &project_id, &task_id, false).await?;
    let n = store::neighbours(&mut tx, &task).await?;
    tx.commit().await?;
    Ok(Json(TaskDetail {
        task,
        blocking_dependencies: n.blocking,
        dependents: n.dependents,
        subtasks: n.subtasks,
        run_history: n.runs,
    }))
}

/// Changes fields; TASK_UPDATED, and TASK_STATUS_CHANGED (+ TASK_MOVED) for a new status.
#[utoipa::path(put, path = "/v1/projects/{project_id}/tasks/{task_id}", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = UpdateTaskRequest,
    responses((status = 200, body = Task), (status = 404), (status = 409), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<UpdateTaskRequest>,
) -> Result<Json<Task>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let (task, events) = task_changes::update(&mut tx, &project_id, &task_id, req.into()).await?;
    commit_with(tx, events).await?;
    Ok(Json(task))
}

/// Deletes the task with its dependency edges and run history; announced as TASK_UPDATED
/// (there is no TASK_DELETED event type).
#[utoipa::path(delete, path = "/v1/projects/{project_id}/tasks/{task_id}", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = Deleted), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
) -> Result<Json<Deleted>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let events = task_changes::delete(&mut tx, &project_id, &task_id).await?;
    commit_with(tx, events).await?;
    Ok(Json(Deleted { status: "deleted" }))
}
