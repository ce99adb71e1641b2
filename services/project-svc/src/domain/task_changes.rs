//! Changes to tasks, each inside the caller's transaction, returning the events to publish
//! after commit. Anything that changes a task's column or position takes the board lock first
//! (see [`crate::store::task_board`]).

use kit::ApiError;
use kit::db::TenantTx;
use kit::validate::field_error;
use shared_schemas::events::Event;
use shared_schemas::events::project::{
    TaskClaimed, TaskCreated, TaskMoved, TaskRef, TaskStatusChanged,
};
use sqlx::types::Json;

use crate::domain::tasks::{self as rules, Column};
use crate::store::tasks::{self as store, Task};
use crate::store::{now_ms, task_board as board};

/// A task to create, already validated field by field.
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub priority: rules::Priority,
    pub assigned_agent: Option<String>,
    pub workflow_id: Option<String>,
    pub parent_task_id: Option<String>,
    pub tags: Vec<String>,
    pub estimated_hours: Option<f64>,
    pub column_id: Option<String>,
    pub status: Option<String>,
    pub metadata: serde_json::Value,
    pub work_type: Option<String>,
}

fn no_columns() -> ApiError {
    ApiError::conflict("board_has_no_columns", "the project has no board columns")
}

fn workflow_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "workflow_not_found",
        "no such workflow in this project",
    )
}

fn no_column_for(status: &str) -> ApiError {
    field_error(
        "status",
        format!("no column of this project carries status `{status}`"),
    )
}

/// The pipeline of the project's workflow `id` (404 `workflow_not_found` otherwise).
async fn pipeline_of(tx: &mut TenantTx, project: &str, id: &str) -> Result<String, ApiError> {
    store::workflow_pipeline(tx, project, id)
        .await?
        .ok_or_else(workflow_not_found)
}

pub async fn create(
    tx: &mut TenantTx,
    project_id: &str,
    new: NewTask,
) -> Result<(Task, Vec<Event>), ApiError> {
    let columns = board::lock_board(tx, project_id).await?;
    let column = match &new.column_id {
        Some(id) => board::find(&columns, id)?,
        None => rules::column_for_new(
            &columns,
            new.status.as_deref().unwrap_or(rules::DEFAULT_STATUS),
        )
        .ok_or_else(no_columns)?,
    };
    let status = match (&new.status, &new.column_id) {
        (Some(s), Some(_)) if !column.statuses.is_empty() && !column.statuses.contains(s) => {
            return Err(field_error(
                "status",
                format!("the column does not carry status `{s}`"),
            ));
        }
        (Some(s), _) => s.clone(),
        (None, _) => column
            .statuses
            .first()
            .cloned()
            .unwrap_or_else(|| rules::DEFAULT_STATUS.to_owned()),
    };
    if let Some(parent) = &new.parent_task_id {
        store::find(tx, project_id, parent, false)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "parent_task_not_found",
                    "no such parent task in this project",
                )
            })?;
    }
    let pipeline_id = match &new.workflow_id {
        Some(w) => Some(pipeline_of(tx, project_id, w).await?),
        None => None,
    };
    rules::check_wip(column, board::count_in(tx, &column.id, None).await?)?;
    let position = board::order(tx, &column.id, None).await?.len();
    let now = now_ms();
    let task = Task {
        id: shared_schemas::ids::TaskId::generate().into_string(),
        project_id: project_id.to_owned(),
        title: new.title.trim().to_owned(),
        description: new.description,
        completed_at: (status == "done").then_some(now),
        status,
        priority: new.priority.as_str().to_owned(),
        assigned_agent: new.assigned_agent,
        workflow_id: new.workflow_id,
        pipeline_id,
        run_id: None,
        parent_task_id: new.parent_task_id,
        tags: Json(new.tags),
        estimated_hours: new.estimated_hours,
        column_id: column.id.clone(),
        column_position: i32::try_from(position).unwrap_or(i32::MAX),
        metadata: Json(new.metadata),
        work_type: new.work_type,
        completed_stages: None,
        spec_review_status: None,
        quality_review_status: None,
        spec_review_notes: None,
        quality_review_notes: None,
        created_at: now,
        updated_at: now,
    };
    let task = store::insert(tx, &task).await?;
    let (project, id) = rules::event_ids(project_id, &task.id)?;
    let event = Event::TaskCreated(TaskCreated {
        project_id: project,
        task_id: id,
        title: task.title.clone(),
    });
    Ok((task, vec![event]))
}

/// Puts `task` at `position` (clamped; `None` = the end) of `target`, refusing a full column
/// it is not already in, and keeps both columns dense. Returns the index it got.
async fn place(
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
fn board_events(before: &Task, after: &Task, at: usize) -> Result<Vec<Event>, ApiError> {
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

/// A partial update; `None` leaves a field as it is. For `assigned_agent`, `workflow_id` and
/// `estimated_hours`, `Some(None)` (an explicit JSON null) clears it.
#[derive(Default)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub priority: Option<rules::Priority>,
    pub assigned_agent: Option<Option<String>>,
    pub workflow_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub estimated_hours: Option<Option<f64>>,
    pub metadata: Option<serde_json::Value>,
}

/// `PUT …/tasks/{id}`. A status change moves the task to a column carrying the status; nothing
/// is written (and nothing announced) when the patch changes nothing.
pub async fn update(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
    patch: TaskPatch,
) -> Result<(Task, Vec<Event>), ApiError> {
    // The board lock comes before the task's row lock, as in every move.
    let columns = match patch.status {
        Some(_) => Some(board::lock_board(tx, project_id).await?),
        None => None,
    };
    let mut task = store::require(tx, project_id, task_id, true).await?;
    let before = task.clone();
    if let Some(v) = patch.title {
        task.title = v.trim().to_owned();
    }
    if let Some(v) = patch.description {
        task.description = v;
    }
    if let Some(v) = patch.priority {
        task.priority = v.as_str().to_owned();
    }
    if let Some(v) = patch.assigned_agent {
        task.assigned_agent = v;
    }
    if let Some(v) = patch.workflow_id
        && v != task.workflow_id
    {
        task.pipeline_id = match &v {
            Some(w) => Some(pipeline_of(tx, project_id, w).await?),
            None => None,
        };
        task.workflow_id = v;
    }
    if let Some(v) = patch.tags {
        task.tags = Json(v);
    }
    if let Some(v) = patch.estimated_hours {
        task.estimated_hours = v;
    }
    if let Some(v) = patch.metadata {
        task.metadata = Json(v);
    }
    let fields_changed = (
        &task.title,
        &task.description,
        &task.priority,
        &task.assigned_agent,
    ) != (
        &before.title,
        &before.description,
        &before.priority,
        &before.assigned_agent,
    ) || (&task.workflow_id, &task.tags, &task.metadata)
        != (&before.workflow_id, &before.tags, &before.metadata)
        || task.estimated_hours != before.estimated_hours;
    let now = now_ms();
    let mut at = usize::try_from(task.column_position).unwrap_or(0);
    if let (Some(status), Some(columns)) = (&patch.status, &columns)
        && *status != before.status
    {
        at = change_status(tx, columns, &mut task, status, now).await?;
    }
    let mut events = Vec::new();
    if fields_changed {
        let (project, id) = rules::event_ids(project_id, task_id)?;
        events.push(Event::TaskUpdated(TaskRef {
            project_id: project,
            task_id: id,
        }));
    }
    events.extend(board_events(&before, &task, at)?);
    if events.is_empty() {
        return Ok((before, events));
    }
    task.updated_at = now;
    let task = store::save(tx, &task).await?;
    Ok((task, events))
}

/// `DELETE …/tasks/{id}`: the row, its edges and run history (cascade); its column is
/// renumbered. There is no TASK_DELETED event type, so the change is announced as
/// TASK_UPDATED; readers find the task gone.
pub async fn delete(
    tx: &mut TenantTx,
    project_id: &str,
    task_id: &str,
) -> Result<Vec<Event>, ApiError> {
    board::lock_board(tx, project_id).await?;
    let task = store::require(tx, project_id, task_id, true).await?;
    store::delete(tx, project_id, task_id).await?;
    board::close_gap(tx, &task.column_id).await?;
    let (project, id) = rules::event_ids(project_id, task_id)?;
    Ok(vec![Event::TaskUpdated(TaskRef {
        project_id: project,
        task_id: id,
    })])
}
