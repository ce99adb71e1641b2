//! The rest of execution: the batch behind `execute-ready`, the planning run of a project, and
//! engine-svc reporting that a task's run ended.

use std::collections::HashSet;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use kit::auth::scope::{ServiceOnly, UserOnly};
use kit::db::TenantTx;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform};
use serde::{Deserialize, Serialize};
use shared_schemas::events::Event;
use shared_schemas::events::project::{ProjectPlanningStarted, TaskStatusChanged};
use shared_schemas::ids::{PipelineId, RunId, TaskId, TenantId};

use super::start::{self, Board, RunOptions, StartedTask};
use super::{ReadyExecuted, Skipped};
use crate::AppState;
use crate::domain::validate::{self, MAX_DESCRIPTION, finish};
use crate::domain::workflows::check_pipeline;
use crate::engine::{EngineError, StartRun};
use crate::routes::open_project;
use crate::routes::workflows::project_ref;
use crate::store::task_runs::{self, Ended, TaskForRun};
use crate::store::{self};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(run_completed))
        .routes(routes!(plan))
}

/// What `execute-ready` started and left, and the events to publish after commit.
pub struct Batch {
    busy: HashSet<String>,
    started: Vec<(StartedTask, RunId, Event)>,
    skipped: Vec<Skipped>,
    /// The engine stopped taking runs part way: the remaining tasks are skipped.
    engine_down: bool,
}

impl Batch {
    pub fn new(busy: HashSet<String>) -> Self {
        Self {
            busy,
            started: Vec::new(),
            skipped: Vec::new(),
            engine_down: false,
        }
    }

    fn skip(&mut self, task: &TaskForRun, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            task_id: task.id.clone(),
            reason: reason.into(),
        });
    }

    /// Starts `task` unless its agent is busy or it has no pipeline. Fails (and so writes
    /// nothing) only when the engine is unavailable before any run started, or on our errors.
    pub async fn try_start(
        &mut self,
        state: &AppState,
        tenant: &TenantId,
        tx: &mut TenantTx,
        board: &Board,
        task: &TaskForRun,
        key_user: &Option<String>,
    ) -> Result<(), ApiError> {
        if self.engine_down {
            self.skip(task, "engine_unavailable");
            return Ok(());
        }
        if let Some(agent) = task
            .assigned_agent
            .as_ref()
            .filter(|a| self.busy.contains(*a))
        {
            let reason = format!("agent {agent} is busy");
            self.skip(task, reason);
            return Ok(());
        }
        let Some(pipeline) = board.pipeline(None, None, task) else {
            self.skip(task, "no pipeline assigned");
            return Ok(());
        };
        let opts = RunOptions {
            key_user_id: key_user.clone(),
            ..RunOptions::default()
        };
        match start::start(
            state.engine.as_ref(),
            tenant,
            tx,
            board,
            task,
            &pipeline,
            &opts,
        )
        .await
        {
            Ok(done) => {
                self.busy.extend(task.assigned_agent.clone());
                self.started.push(done);
            }
            Err(Ok(EngineError::Unavailable(cause))) if self.started.is_empty() => {
                tracing::warn!(%cause, "engine unavailable; execute-ready started nothing");
                return Err(EngineError::Unavailable(cause).into());
            }
            Err(Ok(EngineError::Unavailable(_))) => {
                self.engine_down = true;
                self.skip(task, "engine_unavailable");
            }
            Err(Ok(EngineError::Refused(detail))) => {
                self.skip(task, format!("the engine refused the run: {detail}"));
            }
            Err(Err(ours)) => return Err(ours),
        }
        Ok(())
    }

    /// Publishes the started runs' events (call after commit) and answers.
    pub async fn finish(self, platform: &Platform, tenant: &TenantId) -> ReadyExecuted {
        let mut tasks = Vec::new();
        for (run, run_id, event) in self.started {
            crate::events::publish_for_run(platform, tenant, &run_id, vec![event]).await;
            tasks.push(run);
        }
        let status = if tasks.is_empty() && self.skipped.is_empty() {
            "no_ready_tasks"
        } else {
            "executed"
        };
        ReadyExecuted {
            status,
            executed: tasks.len(),
            skipped: self.skipped.len(),
            tasks,
            skipped_tasks: self.skipped,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RunEndQuery {
    pub run_id: String,
    /// `completed` or `failed`; other run statuses are acknowledged and ignored.
    pub status: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunEnded {
    /// `updated`, `ignored` (a status that ends nothing) or `already_recorded`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// engine-svc reports that a run of the task ended: the task takes its project's first done
/// (or failed) status and column. A repeated report changes nothing.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/run-completed",
    tag = "execution", params(("project_id" = String, Path), ("task_id" = String, Path), RunEndQuery),
    responses((status = 200, body = RunEnded), (status = 403), (status = 404), (status = 422)))]
async fn run_completed(
    State(platform): State<Platform>,
    ServiceOnly(ctx): ServiceOnly,
    Path((project_id, task_id)): Path<(String, String)>,
    query: Result<Query<RunEndQuery>, QueryRejection>,
) -> Result<Json<RunEnded>, ApiError> {
    let Query(q) = query.map_err(|e| validate::field_error("query", e.body_text()))?;
    let run = RunId::parse(q.run_id.as_str())
        .map_err(|e| validate::field_error("run_id", e.to_string()))?;
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let board = Board::load(&mut tx, &project_id).await?;
    task_runs::lock_task(&mut tx, &project_id, &task_id).await?;
    let open = task_runs::run_is_open(&mut tx, &task_id, run.as_str()).await?;
    let (task_status, finished) = match q.status.as_str() {
        "completed" => (board.semantics.done().swap_remove(0), true),
        "failed" => (board.semantics.failed().swap_remove(0), false),
        other => return Ok(Json(ignored(format!("not an ending status: {other}")))),
    };
    if !open {
        return Ok(Json(RunEnded {
            status: "already_recorded",
            task_status: None,
            reason: None,
        }));
    }
    let end = Ended {
        task_id: &task_id,
        run_id: run.as_str(),
        run_status: &q.status,
        task_status: &task_status,
        finished,
    };
    task_runs::record_end(&mut tx, &project_id, &end, store::now_ms()).await?;
    let event = Event::TaskStatusChanged(TaskStatusChanged {
        project_id: project_ref(&project_id)?,
        task_id: TaskId::parse(task_id.as_str()).map_err(|_| task_runs::task_not_found())?,
        status: task_status.clone(),
    });
    tx.commit().await?;
    crate::events::publish_for_run(&platform, &ctx.tenant_id, &run, vec![event]).await;
    Ok(Json(RunEnded {
        status: "updated",
        task_status: Some(task_status),
        reason: None,
    }))
}

fn ignored(reason: String) -> RunEnded {
    RunEnded {
        status: "ignored",
        task_status: None,
        reason: Some(reason),
    }
}

/// A planning run, body optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlanProjectRequest {
    /// `planning` by default.
    pub pipeline_id: Option<String>,
    pub context: Option<String>,
}

impl Validate for PlanProjectRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(p) = &self.pipeline_id {
            check_pipeline("pipelineId", p, &mut errors);
        }
        validate::text(
            "context",
            self.context.as_deref(),
            MAX_DESCRIPTION,
            &mut errors,
        );
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Planning {
    /// `planning`.
    pub status: &'static str,
    pub project_id: String,
    pub run_id: String,
    pub pipeline_id: String,
}

/// Starts a planning pipeline over the project (its name and description are the task); the
/// engine imports the breakdown when the run completes. Nothing is stored here.
#[utoipa::path(post, path = "/v1/projects/{project_id}/plan", tag = "execution",
    params(("project_id" = String, Path)), request_body = Option<PlanProjectRequest>,
    responses((status = 200, body = Planning), (status = 404), (status = 422),
        (status = 503, description = "engine_unavailable: nothing was started")))]
async fn plan(
    State(state): State<AppState>,
    UserOnly(ctx): UserOnly,
    Path(project_id): Path<String>,
    body: Option<ValidJson<PlanProjectRequest>>,
) -> Result<Json<Planning>, ApiError> {
    let req = body.map(|b| b.0).unwrap_or_default();
    let pipeline = PipelineId::parse(req.pipeline_id.unwrap_or_else(|| "planning".to_owned()))
        .map_err(|e| validate::field_error("pipelineId", e.to_string()))?;
    let mut tx = open_project(&state.platform, &ctx, &project_id).await?;
    let project = task_runs::project(&mut tx, &project_id).await?;
    tx.commit().await?;
    let run = StartRun {
        pipeline_id: pipeline.as_str().to_owned(),
        task: format!("[Project: {}]\n\n{}", project.name, project.description),
        context: req.context,
        project_id: Some(project_id.clone()),
        task_id: None,
        agent_id: None,
        model_override: None,
        key_user_id: Some(ctx.subject().to_owned()),
    };
    let started = state.engine.start_run(&ctx.tenant_id, &run).await?;
    let run_id = RunId::parse(started.id.as_str()).map_err(|e| {
        ApiError::internal(anyhow::anyhow!(
            "engine answered run id {:?}: {e}",
            started.id
        ))
    })?;
    let event = Event::ProjectPlanningStarted(ProjectPlanningStarted {
        project_id: project_ref(&project_id)?,
        pipeline_id: pipeline.clone(),
    });
    crate::events::publish_for_run(&state.platform, &ctx.tenant_id, &run_id, vec![event]).await;
    Ok(Json(Planning {
        status: "planning",
        project_id,
        run_id: run_id.into_string(),
        pipeline_id: pipeline.into_string(),
    }))
}
