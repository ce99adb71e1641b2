//! `execute-ready`: which ready tasks get a run and which are skipped, and why.

use std::collections::HashSet;

use kit::ApiError;
use kit::db::TenantTx;

use super::board::{Board, RequestedRun, RunOptions};
use crate::api::execution::{REQUESTED, ReadyExecuted, Skipped};
use crate::store::task_runs::TaskForRun;

pub struct Batch {
    /// Agents with a running task; each gets one task at a time.
    busy: HashSet<String>,
    pub requested: Vec<RequestedRun>,
    skipped: Vec<Skipped>,
}

impl Batch {
    pub fn new(busy: HashSet<String>) -> Self {
        Self {
            busy,
            requested: Vec::new(),
            skipped: Vec::new(),
        }
    }

    fn skip(&mut self, task: &TaskForRun, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            task_id: task.id.clone(),
            reason: reason.into(),
        });
    }

    /// Requests a run of `task` unless its agent is busy or it has no pipeline.
    pub async fn try_request(
        &mut self,
        tx: &mut TenantTx,
        board: &Board,
        task: &TaskForRun,
        opts: &RunOptions,
    ) -> Result<(), ApiError> {
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
        let run = board.request(tx, task, &pipeline, opts).await?;
        self.busy.extend(task.assigned_agent.clone());
        self.requested.push(run);
        Ok(())
    }

    pub fn finish(self) -> ReadyExecuted {
        let tasks: Vec<_> = self.requested.into_iter().map(|r| r.task).collect();
        let status = if tasks.is_empty() && self.skipped.is_empty() {
            "no_ready_tasks"
        } else {
            REQUESTED
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
