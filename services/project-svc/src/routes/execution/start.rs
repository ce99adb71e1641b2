//! Starting a task's run: choose its pipeline, ask the engine (as the caller's tenant), and
//! only once the engine accepted, record the run in the caller's open transaction. A run the
//! engine refused or could not take leaves nothing behind.

use kit::ApiError;
use kit::db::TenantTx;
use serde::Serialize;
use shared_schemas::events::Event;
use shared_schemas::events::project::TaskExecutionStarted;
use shared_schemas::ids::{PipelineId, RunId, TaskId, TenantId};

use crate::domain::validate;
use crate::domain::workflows::{Semantics, TaskForPipeline, WorkflowChoice, choose_pipeline};
use crate::engine::{EngineError, EngineRuns, StartRun};
use crate::routes::workflows::project_ref;
use crate::store::task_runs::{self, ProjectForRun, Started, TaskForRun};
use crate::store::{self};

/// What the project brings to every start: its row, semantics and workflows.
pub struct Board {
    pub project_id: String,
    pub project: ProjectForRun,
    pub semantics: Semantics,
    pub workflows: Vec<WorkflowChoice>,
}

impl Board {
    pub async fn load(tx: &mut TenantTx, project_id: &str) -> Result<Self, ApiError> {
        let project = task_runs::project(tx, project_id).await?;
        let semantics = Semantics::from_json(project.status_semantics.clone().map(|j| j.0));
        let workflows = store::workflows::list(tx, project_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Self {
            project_id: project_id.to_owned(),
            project,
            semantics,
            workflows,
        })
    }

    /// 409 `task_not_executable` unless the task is in a status runs start from.
    pub fn ensure_executable(&self, task: &TaskForRun) -> Result<(), ApiError> {
        let allowed = self.semantics.executable();
        if allowed.contains(&task.status) {
            return Ok(());
        }
        Err(ApiError::conflict(
            "task_not_executable",
            format!(
                "a task in status `{}` cannot be started; it must be one of: {}",
                task.status,
                allowed.join(", ")
            ),
        ))
    }

    /// The pipeline for `task` (see [`choose_pipeline`]); `workflow` overrides the task's own.
    pub fn pipeline(
        &self,
        explicit: Option<&str>,
        workflow: Option<&str>,
        task: &TaskForRun,
    ) -> Option<PipelineId> {
        let for_task = TaskForPipeline {
            workflow_id: workflow.or(task.workflow_id.as_deref()),
            tags: &task.tags.0,
            priority: &task.priority,
            work_type: task.work_type.as_deref(),
        };
        let chosen = choose_pipeline(
            explicit,
            &for_task,
            &self.workflows,
            self.project.default_pipeline_id.as_deref(),
        )?;
        // A default pipeline someone stored in a form the engine cannot take counts as none.
        PipelineId::parse(chosen).ok()
    }

    /// The run the engine is asked for: the task with its project as the prompt.
    pub fn run_for(&self, task: &TaskForRun, pipeline: &PipelineId, opts: &RunOptions) -> StartRun {
        StartRun {
            pipeline_id: pipeline.as_str().to_owned(),
            task: format!(
                "[Project: {}] [Task: {}]\n\n{}",
                self.project.name, task.title, task.description
            ),
            context: opts.context.clone(),
            project_id: Some(self.project_id.clone()),
            task_id: Some(task.id.clone()),
            agent_id: opts.agent_id.clone(),
            model_override: opts.model_override.clone(),
            key_user_id: opts.key_user_id.clone(),
        }
    }
}

pub fn no_pipeline() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "no_pipeline",
        "no pipeline for this task: name one, add a default workflow or set the project's default pipeline",
    )
}

#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    pub context: Option<String>,
    pub agent_id: Option<String>,
    pub model_override: Option<String>,
    pub key_user_id: Option<String>,
}

/// A run that started, as the execution endpoints list it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StartedTask {
    pub task_id: String,
    pub run_id: String,
    pub pipeline_id: String,
}

/// Asks the engine for the run, then records it in `tx`. `Err(Ok(e))` is the engine's answer
/// (nothing recorded); `Err(Err(e))` a failure of ours after the engine accepted.
pub async fn start(
    engine: &dyn EngineRuns,
    tenant: &TenantId,
    tx: &mut TenantTx,
    board: &Board,
    task: &TaskForRun,
    pipeline: &PipelineId,
    opts: &RunOptions,
) -> Result<(StartedTask, RunId, Event), Result<EngineError, ApiError>> {
    let run = board.run_for(task, pipeline, opts);
    let accepted = engine.start_run(tenant, &run).await.map_err(Ok)?;
    let recorded = record(tx, board, task, pipeline, opts, &accepted.id).await;
    recorded.map_err(Err)
}

async fn record(
    tx: &mut TenantTx,
    board: &Board,
    task: &TaskForRun,
    pipeline: &PipelineId,
    opts: &RunOptions,
    run_id: &str,
) -> Result<(StartedTask, RunId, Event), ApiError> {
    // The engine names its runs `run_…`; anything else cannot be linked or followed.
    let run = RunId::parse(run_id).map_err(|e| {
        ApiError::internal(anyhow::anyhow!("engine answered run id {run_id:?}: {e}"))
    })?;
    let running = board.semantics.running();
    let started = Started {
        task_id: &task.id,
        run_id: run.as_str(),
        pipeline_id: pipeline.as_str(),
        status: &running,
        agent_id: opts.agent_id.as_deref(),
    };
    task_runs::record_start(tx, &board.project_id, &started, store::now_ms()).await?;
    let event = Event::TaskExecutionStarted(TaskExecutionStarted {
        project_id: project_ref(&board.project_id)?,
        task_id: TaskId::parse(task.id.as_str()).map_err(|_| task_runs::task_not_found())?,
        pipeline_id: pipeline.clone(),
    });
    let out = StartedTask {
        task_id: task.id.clone(),
        run_id: run.as_str().to_owned(),
        pipeline_id: pipeline.as_str().to_owned(),
    };
    Ok((out, run, event))
}

/// Field rules shared by the execution requests.
pub fn check_options(
    model_override: Option<&str>,
    key_user_id: Option<&str>,
    errors: &mut Vec<kit::error::FieldError>,
) {
    if let Some(m) = model_override
        && (m.trim().is_empty() || m.len() > 256 || m.chars().any(char::is_control))
    {
        errors.push(validate::err(
            "modelOverride",
            "must be 1 to 256 characters",
        ));
    }
    if let Some(u) = key_user_id
        && shared_schemas::ids::UserId::parse(u).is_err()
    {
        errors.push(validate::err("keyUserId", "must be a user id (`usr_…`)"));
    }
}
