//! What every run request of a project needs: the project's row, status semantics and
//! workflows, the choice of pipeline, and recording a requested run with its events.

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::events::Event;
use shared_schemas::events::project::TaskExecutionStarted;
use shared_schemas::ids::{AgentId, PipelineId, ProjectId, RunId, TaskId, UserId};
use shared_schemas::runs::StartRun;

use crate::api::execution::StartedTask;
use crate::domain::workflows::{Semantics, TaskForPipeline, WorkflowChoice, choose_pipeline};
use crate::flows::project_ref;
use crate::store::task_runs::{self, ProjectForRun, Requested, TaskForRun};
use crate::store::{self};

/// The project as run requests see it.
pub struct Board {
    pub project_id: String,
    pub project: ProjectForRun,
    pub semantics: Semantics,
    pub workflows: Vec<WorkflowChoice>,
}

/// What the caller adds to a run beyond its task and pipeline.
#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    pub context: Option<String>,
    pub agent_id: Option<String>,
    pub model_override: Option<String>,
    pub key_user_id: Option<String>,
}

/// A run recorded in the open transaction, with the events that announce it.
pub struct RequestedRun {
    pub task: StartedTask,
    pub run_id: RunId,
    pub events: Vec<Event>,
}

impl Board {
    pub async fn load(tx: &mut TenantTx, project_id: &str) -> Result<Self, ApiError> {
        let project = task_runs::project(tx, project_id).await?;
        let semantics = Semantics::from_json(project.status_semantics.clone().map(|j| j.0));
        let workflows = store::workflows::list(tx, &project_ref(project_id)?)
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

    /// The run engine-svc is asked for: the task with its project as the prompt.
    fn run_for(
        &self,
        task: &TaskForRun,
        pipeline: &PipelineId,
        opts: &RunOptions,
    ) -> Result<StartRun, ApiError> {
        Ok(StartRun {
            pipeline_id: pipeline.clone(),
            task: format!(
                "[Project: {}] [Task: {}]\n\n{}",
                self.project.name, task.title, task.description
            ),
            context: opts.context.clone(),
            project_id: Some(project_id(&self.project_id)?),
            task_id: Some(TaskId::parse(task.id.as_str()).map_err(ApiError::internal)?),
            agent_id: opts.agent_id.as_deref().map(agent_id).transpose()?,
            model_override: opts.model_override.clone(),
            key_user_id: opts.key_user_id.as_deref().map(user_id).transpose()?,
        })
    }

    /// Records a run of `task` as `requested` (with its start request), links the task to it
    /// and gives it its running status; returns the run with `RUN_REQUESTED` and
    /// `TASK_EXECUTION_STARTED`, to be announced with the commit.
    pub async fn request(
        &self,
        tx: &mut TenantTx,
        task: &TaskForRun,
        pipeline: &PipelineId,
        opts: &RunOptions,
    ) -> Result<RequestedRun, ApiError> {
        let start = self.run_for(task, pipeline, opts)?;
        let run_id = RunId::generate();
        let running = self.semantics.running();
        let request = serde_json::to_value(&start).map_err(ApiError::internal)?;
        let requested = Requested {
            task_id: &task.id,
            run_id: run_id.as_str(),
            pipeline_id: pipeline.as_str(),
            status: &running,
            agent_id: opts.agent_id.as_deref(),
            request: &request,
        };
        task_runs::record_request(tx, &self.project_id, &requested, store::now_ms()).await?;
        let started = Event::TaskExecutionStarted(TaskExecutionStarted {
            project_id: project_id(&self.project_id)?,
            task_id: TaskId::parse(task.id.as_str()).map_err(ApiError::internal)?,
            pipeline_id: pipeline.clone(),
        });
        Ok(RequestedRun {
            task: StartedTask {
                task_id: task.id.clone(),
                run_id: run_id.as_str().to_owned(),
                pipeline_id: pipeline.as_str().to_owned(),
            },
            run_id,
            events: vec![Event::RunRequested(start), started],
        })
    }
}

pub fn no_pipeline() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "no_pipeline",
        "no pipeline for this task: name one, add a default workflow or set the project's default pipeline",
    )
}

/// Stored and validated ids that do not parse are bugs of ours, not bad input.
fn project_id(id: &str) -> Result<ProjectId, ApiError> {
    ProjectId::parse(id).map_err(ApiError::internal)
}

fn agent_id(id: &str) -> Result<AgentId, ApiError> {
    AgentId::parse(id).map_err(ApiError::internal)
}

fn user_id(id: &str) -> Result<UserId, ApiError> {
    UserId::parse(id).map_err(ApiError::internal)
}
