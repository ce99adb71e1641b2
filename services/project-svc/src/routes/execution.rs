//! Running tasks through engine-svc: execute one task (with a pipeline, or as one agent), execute
//! every ready task, start a planning run, and hear back when a task's run ended. Runs start in
//! engine-svc as the caller's tenant; when the engine cannot take them the answer is 503
//! `engine_unavailable` and nothing is written. Users start runs; engine-svc reports their end.

use std::collections::HashSet;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use kit::ApiError;
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::domain::validate::{self, MAX_DESCRIPTION, finish};
use crate::domain::workflows::check_pipeline;
use crate::routes::open_project;
use crate::store::{self, project_agents, task_runs};

mod ends;
pub mod start;

use start::{Board, RunOptions, StartedTask, check_options, no_pipeline};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(execute))
        .routes(routes!(execute_agent))
        .routes(routes!(execute_ready))
        .merge(ends::routes())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecuteTaskRequest {
    /// A workflow of this project whose pipeline runs the task.
    pub workflow_id: Option<String>,
    /// The pipeline to run, before any workflow.
    pub pipeline_id: Option<String>,
    /// Extra context for the run.
    pub context: Option<String>,
    pub model_override: Option<String>,
    /// Whose API keys the run uses (a user of the tenant); the caller by default.
    pub key_user_id: Option<String>,
}

impl Validate for ExecuteTaskRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(p) = &self.pipeline_id {
            check_pipeline("pipelineId", p, &mut errors);
        }
        if self
            .workflow_id
            .as_ref()
            .is_some_and(|w| w.is_empty() || w.len() > 64)
        {
            errors.push(validate::err("workflowId", "must be 1 to 64 characters"));
        }
        validate::text(
            "context",
            self.context.as_deref(),
            MAX_DESCRIPTION,
            &mut errors,
        );
        check_options(
            self.model_override.as_deref(),
            self.key_user_id.as_deref(),
            &mut errors,
        );
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Executing {
    /// `executing`.
    pub status: &'static str,
    #[serde(flatten)]
    pub run: StartedTask,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

/// Engine answers become API errors; our own failures stay what they are.
fn engine_error(e: Result<crate::engine::EngineError, ApiError>) -> ApiError {
    e.map_or_else(|ours| ours, ApiError::from)
}

/// Starts the task's pipeline: the one named, else the workflow named, else the task's
/// workflow, else the first workflow whose filter selects it, else the default workflow, else
/// the project's default pipeline (422 `no_pipeline` when there is none).
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/execute",
    tag = "execution", params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = Option<ExecuteTaskRequest>,
    responses((status = 200, body = Executing), (status = 404), (status = 409), (status = 422),
        (status = 503, description = "engine_unavailable: nothing was started or written")))]
async fn execute(
    State(state): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path((project_id, task_id)): Path<(String, String)>,
    body: Option<ValidJson<ExecuteTaskRequest>>,
) -> Result<Json<Executing>, ApiError> {
    let req = body.map(|b| b.0).unwrap_or_default();
    let mut tx = open_project(&state.platform, &ctx, &project_id).await?;
    let board = Board::load(&mut tx, &project_id).await?;
    let task = task_runs::lock_task(&mut tx, &project_id, &task_id).await?;
    board.ensure_executable(&task)?;
    if let Some(w) = &req.workflow_id {
        store::workflows::require(&mut tx, &project_id, w).await?;
    }
    let pipeline = board
        .pipeline(
            req.pipeline_id.as_deref(),
            req.workflow_id.as_deref(),
            &task,
        )
        .ok_or_else(no_pipeline)?;
    let opts = RunOptions {
        context: req.context,
        agent_id: None,
        model_override: req.model_override,
        key_user_id: req.key_user_id.or_else(|| Some(ctx.subject().to_owned())),
    };
    let tenant = &ctx.tenant_id;
    let (run, run_id, event) = start::start(
        state.engine.as_ref(),
        tenant,
        &mut tx,
        &board,
        &task,
        &pipeline,
        &opts,
    )
    .await
    .map_err(engine_error)?;
    tx.commit().await?;
    crate::events::publish_for_run(&state.platform, tenant, &run_id, vec![event]).await;
    Ok(Json(Executing {
        status: "executing",
        run,
        agent_id: None,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExecuteAgentRequest {
    /// An agent assigned to this project.
    pub agent_id: String,
    pub model_override: Option<String>,
    pub key_user_id: Option<String>,
}

impl Validate for ExecuteAgentRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if shared_schemas::ids::AgentId::parse(self.agent_id.as_str()).is_err() {
            errors.push(validate::err("agentId", "must be an agent id (`agt_…`)"));
        }
        check_options(
            self.model_override.as_deref(),
            self.key_user_id.as_deref(),
            &mut errors,
        );
        finish(errors)
    }
}

/// The single-step pipeline that runs one agent on one task.
const AGENT_PIPELINE: &str = "execute";

/// Runs the task as one agent of the project (pipeline `execute`); the task is assigned to it.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/execute-agent",
    tag = "execution", params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = ExecuteAgentRequest,
    responses((status = 200, body = Executing), (status = 404), (status = 409), (status = 422),
        (status = 503, description = "engine_unavailable: nothing was started or written")))]
async fn execute_agent(
    State(state): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<ExecuteAgentRequest>,
) -> Result<Json<Executing>, ApiError> {
    let mut tx = open_project(&state.platform, &ctx, &project_id).await?;
    project_agents::require(&mut tx, &project_id, &req.agent_id).await?;
    let board = Board::load(&mut tx, &project_id).await?;
    let task = task_runs::lock_task(&mut tx, &project_id, &task_id).await?;
    board.ensure_executable(&task)?;
    let pipeline = board
        .pipeline(Some(AGENT_PIPELINE), None, &task)
        .ok_or_else(no_pipeline)?;
    let opts = RunOptions {
        context: None,
        agent_id: Some(req.agent_id.clone()),
        model_override: req.model_override,
        key_user_id: req.key_user_id.or_else(|| Some(ctx.subject().to_owned())),
    };
    let tenant = &ctx.tenant_id;
    let (run, run_id, event) = start::start(
        state.engine.as_ref(),
        tenant,
        &mut tx,
        &board,
        &task,
        &pipeline,
        &opts,
    )
    .await
    .map_err(engine_error)?;
    tx.commit().await?;
    crate::events::publish_for_run(&state.platform, tenant, &run_id, vec![event]).await;
    Ok(Json(Executing {
        status: "executing",
        run,
        agent_id: Some(req.agent_id),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReadyQuery {
    /// 1 to 50; 5 by default.
    pub max_tasks: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    pub task_id: String,
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadyExecuted {
    /// `executed`, or `no_ready_tasks`.
    pub status: &'static str,
    pub executed: usize,
    pub skipped: usize,
    pub tasks: Vec<StartedTask>,
    pub skipped_tasks: Vec<Skipped>,
}

/// Starts the ready tasks (startable status, every `blocks` predecessor done), most urgent
/// first, one per busy agent. When the engine cannot take the first run: 503 and nothing
/// written; when it stops taking runs part way, the rest are listed as skipped.
#[utoipa::path(post, path = "/v1/projects/{project_id}/execute-ready", tag = "execution",
    params(("project_id" = String, Path), ReadyQuery),
    responses((status = 200, body = ReadyExecuted), (status = 404), (status = 422),
        (status = 503, description = "engine_unavailable: nothing was started or written")))]
async fn execute_ready(
    State(state): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path(project_id): Path<String>,
    query: Result<Query<ReadyQuery>, QueryRejection>,
) -> Result<Json<ReadyExecuted>, ApiError> {
    let Query(q) = query.map_err(|e| validate::field_error("max_tasks", e.body_text()))?;
    let limit = q.max_tasks.unwrap_or(5);
    if !(1..=50).contains(&limit) {
        return Err(validate::field_error("max_tasks", "must be 1 to 50"));
    }
    let mut tx = open_project(&state.platform, &ctx, &project_id).await?;
    let board = Board::load(&mut tx, &project_id).await?;
    let (startable, done) = (board.semantics.executable(), board.semantics.done());
    let ready = task_runs::lock_ready(&mut tx, &project_id, &startable, &done, limit).await?;
    let running = board.semantics.running();
    let busy: HashSet<String> = task_runs::busy_agents(&mut tx, &project_id, &running)
        .await?
        .into_iter()
        .collect();
    let key_user = Some(ctx.subject().to_owned());
    let mut batch = ends::Batch::new(busy);
    for task in &ready {
        batch
            .try_start(&state, &ctx.tenant_id, &mut tx, &board, task, &key_user)
            .await?;
    }
    tx.commit().await?;
    Ok(Json(batch.finish(&state.platform, &ctx.tenant_id).await))
}
