//! Moving tasks on the board and claiming them: `move`, a status change (used by `transition`
//! and by updates), and `claim`. Every move takes the board lock before the task's row (see
//! [`crate::store::task_board`]), and returns the events the caller appends to the outbox
//! before it commits.

use kit::ApiError;
use kit::db::TenantTx;
use kit::validate::field_error;
use shared_schemas::events::Event;
use shared_schemas::events::project::{TaskClaimed, TaskMoved, TaskRef, TaskStatusChanged};

use crate::domain::tasks::{self as rules, Column};
use crate::store::tasks::{self as store, Task};
use crate::store::{now_ms, task_board as board};

fn no_column_for(status: &str) -> ApiError {
    field_error(
        "status",
        format!("no column of this project carries status `{status}`"),
    )
}

/// Puts `task` at `position` (clamped; `None` = the end) of `target`, refusing a full column
/// it is not already in, and keeps both columns dense. Returns the index it got.
pub(crate) async fn place(
    tx: &mut TenantTx,
    task: &mut Task,
    target: &Column,
    position: Option<usize>,
) -> Result<usize, ApiError> {
    let source = task.column_id.clone();
    if target.id != source {
        rules::check_wip(
            target,
            board::count_in(tx, &target.id, Some(&task.id)).await?,
        )?;
    }
    let mut order = board::order(tx, &target.id, Some(&task.id)).await?;
    let at = rules::insert_at(&mut order, &task.id, position.unwrap_or(usize::MAX));
    board::write_order(tx, &target.id, &order).await?;
    if target.id != source {
        board::close_gap(tx, &source).await?;
    }
    task.column_id = target.id.clone();
    task.column_position = i32::try_from(at).unwrap_or(i32::MAX);
    Ok(at)
}

/// The events of a task whose status and/or column changed from `before`.
pub(crate) fn board_events(before: &Task, after: &Task, at: usize) -> Result<Vec<Event>, ApiError> {
    let (project, id) = rules::event_ids(&after.project_id, &after.id)?;
    let mut events = Vec::new();
    if before.column_id != after.column_id || before.column_position != after.column_position {
        events.push(Event::TaskMoved(TaskMoved {
            project_id: project.clone(),
            task_id: id.clone(),
            column_id: after.column_id.clone(),
            position: u32::try_from(at).unwrap_or(u32::MAX),
            status: Some(after.status.clone()),
        }));
    }
    if before.status != after.status {
        events.push(Event::TaskStatusChanged(TaskStatusChanged {
            project_id: project,
            task_id: id,
            status: after.status.clone(),
        }));
    }
    Ok(events)
}

/// `POST …/move`: another column and/or another place in the order; the status follows the
/// target column's first status.
pub async fn move_to(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
    column_id: &str,
    position: usize,
) -> Result<(Task, usize, Vec<Event>), ApiError> {
    let columns = board::lock_board(tx, project_id).await?;
    let mut task = store::require(tx, project_id, task_id, true).await?;
    let target = board::find(&columns, column_id)?;
    let before = task.clone();
    let at = place(tx, &mut task, target, Some(position)).await?;
    let now = now_ms();
    rules::set_status(&mut task, &rules::status_in(target, &before.status), now);
    let events = board_events(&before, &task, at)?;
    if events.is_empty() {
        // Already there: nothing to write or announce.
        return Ok((before, at, events));
    }
    task.updated_at = now;
    let task = store::save(tx, &task).await?;
    Ok((task, at, events))
}

/// A status change that keeps the board consistent: the task moves (to the end) of the first
/// column carrying the status unless its own column carries it. 422 when none does.
pub async fn change_status(
    tx: &mut TenantTx,
    columns: &[Column],
    task: &mut Task,
    status: &str,
    now: i64,
) -> Result<usize, ApiError> {
    let target = rules::column_for_status(columns, &task.column_id, status)
        .ok_or_else(|| no_column_for(status))?;
    let at = if target.id == task.column_id {
        usize::try_from(task.column_position).unwrap_or(0)
    } else {
        place(tx, task, target, None).await?
    };
    rules::set_status(task, status, now);
    Ok(at)
}

/// `POST …/transition`: a status change by an agent, with an optional note kept in the task's
/// metadata.
pub async fn transition(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
    status: &str,
    note: Option<&str>,
) -> Result<(Task, String, Vec<Event>), ApiError> {
    let columns = board::lock_board(tx, project_id).await?;
    let mut task = store::require(tx, project_id, task_id, true).await?;
    let before = task.clone();
    let now = now_ms();
    let at = change_status(tx, &columns, &mut task, status, now).await?;
    if let Some(note) = note {
        rules::add_note(&mut task.metadata.0, &before.status, status, note, now);
    }
    let mut events = board_events(&before, &task, at)?;
    if events.is_empty() && note.is_none() {
        return Ok((before.clone(), before.status, events));
    }
    if events.is_empty() {
        let (project, id) = rules::event_ids(project_id, task_id)?;
        events.push(Event::TaskUpdated(TaskRef {
            project_id: project,
            task_id: id,
        }));
    }
    task.updated_at = now;
    let task = store::save(tx, &task).await?;
    Ok((task, before.status, events))
}

/// How a claim ended.
pub enum Claim {
    /// The agent holds the task now.
    Claimed(Task, String),
    /// The agent held it already.
    AlreadyHeld(Task, String),
}

/// `POST …/claim`: the task row is locked, so of two agents racing the second sees the first
/// one's claim and gets 409 `already_claimed`.
pub async fn claim(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
    agent_id: &str,
) -> Result<(Claim, Vec<Event>), ApiError> {
    let mut task = store::require(tx, project_id, task_id, true).await?;
    match task.assigned_agent.as_deref() {
        Some(holder) if holder != agent_id => {
            return Err(ApiError::conflict(
                "already_claimed",
                format!("the task is already claimed by agent `{holder}`"),
            ));
        }
        Some(_) => {}
        None => {
            let semantics = board::claimable_statuses(tx, project_id).await?;
            if !rules::claimable(&task.status, semantics.as_deref()) {
                return Err(ApiError::bad_request(
                    "not_claimable",
                    format!("a task in status `{}` cannot be claimed", task.status),
                ));
            }
        }
    }
    let held = task.assigned_agent.is_some();
    let stored_branch = task
        .metadata
        .0
        .get("git_branch")
        .and_then(|b| b.as_str())
        .map(str::to_owned);
    if held && let Some(branch) = stored_branch {
        return Ok((Claim::AlreadyHeld(task, branch), Vec::new()));
    }
    let branch = stored_branch.unwrap_or_else(|| rules::branch_name(&task.id, &task.title));
    if !task.metadata.0.is_object() {
        task.metadata.0 = serde_json::json!({});
    }
    task.metadata.0["git_branch"] = serde_json::Value::String(branch.clone());
    task.assigned_agent = Some(agent_id.to_owned());
    task.updated_at = now_ms();
    let task = store::save(tx, &task).await?;
    let (project, id) = rules::event_ids(project_id, task_id)?;
    if held {
        // Only the branch was recorded: a change, but not a new claim.
        let event = Event::TaskUpdated(TaskRef {
            project_id: project,
            task_id: id,
        });
        return Ok((Claim::AlreadyHeld(task, branch), vec![event]));
    }
    let agent = shared_schemas::ids::AgentId::parse(agent_id).map_err(ApiError::internal)?;
    let event = Event::TaskClaimed(TaskClaimed {
        project_id: project,
        task_id: id,
        agent_id: agent,
    });
    Ok((Claim::Claimed(task, branch), vec![event]))
}
