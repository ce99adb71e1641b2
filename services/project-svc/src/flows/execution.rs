//! Running tasks. project-svc never calls engine-svc here: it chooses the run id, records the
//! run as `requested`, and appends `RUN_REQUESTED` (the start request) in the same transaction,
//! so the start reaches engine-svc with the commit or not at all, and no lock is held while
//! another service works.

mod batch;
mod board;

use std::collections::HashSet;

use kit::outbox;
use kit::{ApiError, Platform, TenantContext};
use shared_schemas::events::Event;
use shared_schemas::events::project::{ProjectPlanningStarted, TaskStatusChanged};
use shared_schemas::ids::{PipelineId, RunId, TaskId, UserId};
use shared_schemas::runs::{RunEndReport, RunEnded, StartRun};

use crate::api::execution::{
    ExecuteAgentRequest, ExecuteTaskRequest, Executing, PlanProjectRequest, Planning, REQUESTED,
    ReadyExecuted,
};
use crate::domain::validate;
use crate::flows::{commit_with_run, open_project, project_ref};
use crate::store::{self, project_agents, task_runs};

pub use board::{Board, RequestedRun, RunOptions, no_pipeline};

/// The single-step pipeline that runs one agent on one task.
const AGENT_PIPELINE: &str = "execute";

/// Requests a run of the task with its pipeline: the one named, else the workflow named, else
/// the task's workflow, else the first workflow whose filter selects it, else the default
/// workflow, else the project's default pipeline (422 `no_pipeline` when there is none).
pub async fn execute(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    req: ExecuteTaskRequest,
) -> Result<Executing, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let board = Board::load(&mut tx, project_id).await?;
    let task = task_runs::lock_task(&mut tx, project_id, task_id).await?;
    board.ensure_executable(&task)?;
    if let Some(w) = &req.workflow_id {
        store::workflows::require(&mut tx, &project_ref(project_id)?, w).await?;
    }
    let explicit = req.pipeline_id.as_deref();
    let pipeline = board
        .pipeline(explicit, req.workflow_id.as_deref(), &task)
        .ok_or_else(no_pipeline)?;
    let opts = RunOptions {
        context: req.context,
        agent_id: None,
        model_override: req.model_override,
        key_user_id: req.key_user_id.or_else(|| Some(ctx.subject().to_owned())),
    };
    let run = board.request(&mut tx, &task, &pipeline, &opts).await?;
    commit_with_run(tx, &run.run_id, run.events).await?;
    Ok(Executing {
        status: REQUESTED,
        run: run.task,
        agent_id: None,
    })
}

/// Requests a run of the task as one agent of the project (pipeline `execute`); the task is
/// assigned to it.
pub async fn execute_agent(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    req: ExecuteAgentRequest,
) -> Result<Executing, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    project_agents::require(&mut tx, &project_ref(project_id)?, &req.agent_id).await?;
    let board = Board::load(&mut tx, project_id).await?;
    let task = task_runs::lock_task(&mut tx, project_id, task_id).await?;
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
    let run = board.request(&mut tx, &task, &pipeline, &opts).await?;
    commit_with_run(tx, &run.run_id, run.events).await?;
    Ok(Executing {
        status: REQUESTED,
        run: run.task,
        agent_id: Some(req.agent_id),
    })
}

/// Requests runs of the ready tasks (startable status, every `blocks` predecessor done), most
/// urgent first, one per busy agent, all in one transaction.
pub async fn execute_ready(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    limit: i64,
) -> Result<ReadyExecuted, ApiError> {
    let mut tx = open_project(platform, ctx, project_id).await?;
    let board = Board::load(&mut tx, project_id).await?;
    let (startable, done) = (board.semantics.executable(), board.semantics.done());
    let ready = task_runs::lock_ready(&mut tx, project_id, &startable, &done, limit).await?;
    let running = board.semantics.running();
    let busy: HashSet<String> = task_runs::busy_agents(&mut tx, project_id, &running)
        .await?
        .into_iter()
        .collect();
    let opts = RunOptions {
        key_user_id: Some(ctx.subject().to_owned()),
        ..RunOptions::default()
    };
    let mut batch = batch::Batch::new(busy);
    for task in &ready {
        batch.try_request(&mut tx, &board, task, &opts).await?;
    }
    for run in &batch.requested {
        for event in run.events.iter().cloned() {
            outbox::append_for_run(&mut tx, &run.run_id, event).await?;
        }
    }
    tx.commit().await?;
    Ok(batch.finish())
}

/// engine-svc reports that a run of the task ended: the task takes its project's first done
/// (or failed) status and column. A repeated report changes nothing.
pub async fn run_ended(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    task_id: &str,
    report: RunEndReport,
) -> Result<RunEnded, ApiError> {
    let run = RunId::parse(report.run_id.as_str())
        .map_err(|e| validate::field_error("run_id", e.to_string()))?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let board = Board::load(&mut tx, project_id).await?;
    task_runs::lock_task(&mut tx, project_id, task_id).await?;
    let open = task_runs::run_is_open(&mut tx, task_id, run.as_str()).await?;
    let (task_status, finished) = match report.status.as_str() {
        "completed" => (board.semantics.done().swap_remove(0), true),
        "failed" => (board.semantics.failed().swap_remove(0), false),
        other => {
            return Ok(answer(
                "ignored",
                None,
                Some(format!("not an ending status: {other}")),
            ));
        }
    };
    if !open {
        return Ok(answer("already_recorded", None, None));
    }
    let end = task_runs::Ended {
        task_id,
        run_id: run.as_str(),
        run_status: &report.status,
        task_status: &task_status,
        finished,
    };
    task_runs::record_end(&mut tx, project_id, &end, store::now_ms()).await?;
    let event = Event::TaskStatusChanged(TaskStatusChanged {
        project_id: project_ref(project_id)?,
        task_id: TaskId::parse(task_id).map_err(|_| task_runs::task_not_found())?,
        status: task_status.clone(),
    });
    commit_with_run(tx, &run, vec![event]).await?;
    Ok(answer("updated", Some(task_status), None))
}

fn answer(status: &str, task_status: Option<String>, reason: Option<String>) -> RunEnded {
    RunEnded {
        status: status.to_owned(),
        task_status,
        reason,
    }
}

/// Requests a planning run over the project (its name and description are the task); the
/// engine imports the breakdown when the run completes. No row of project-svc changes.
pub async fn plan(
    platform: &Platform,
    ctx: &TenantContext,
    project_id: &str,
    req: PlanProjectRequest,
) -> Result<Planning, ApiError> {
    let pipeline = PipelineId::parse(req.pipeline_id.unwrap_or_else(|| "planning".to_owned()))
        .map_err(|e| validate::field_error("pipelineId", e.to_string()))?;
    let mut tx = open_project(platform, ctx, project_id).await?;
    let project = task_runs::project(&mut tx, project_id).await?;
    let run_id = RunId::generate();
    let start = StartRun {
        pipeline_id: pipeline.clone(),
        task: format!("[Project: {}]\n\n{}", project.name, project.description),
        context: req.context,
        project_id: Some(project_ref(project_id)?),
        task_id: None,
        agent_id: None,
        model_override: None,
        key_user_id: Some(UserId::parse(ctx.subject()).map_err(ApiError::internal)?),
    };
    let events = vec![
        Event::RunRequested(start),
        Event::ProjectPlanningStarted(ProjectPlanningStarted {
            project_id: project_ref(project_id)?,
            pipeline_id: pipeline.clone(),
        }),
    ];
    commit_with_run(tx, &run_id, events).await?;
    Ok(Planning {
        status: REQUESTED,
        project_id: project_id.to_owned(),
        run_id: run_id.as_str().to_owned(),
        pipeline_id: pipeline.into_string(),
    })
}
