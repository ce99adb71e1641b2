//! Creating, updating and deleting tasks, each inside the caller's transaction, returning the
//! events the caller appends to the outbox before it commits. Anything that changes a task's
//! column or position takes the board lock first (see [`crate::store::task_board`]); moves are
//! in [`crate::flows::task_moves`].

use kit::ApiError;
use kit::db::TenantTx;
use kit::validate::field_error;
use shared_schemas::events::Event;
use shared_schemas::events::project::{TaskCreated, TaskRef};
use sqlx::types::Json;

use crate::domain::limits::{self, Limits};
use crate::domain::tasks as rules;
use crate::flows::task_moves::{board_events, change_status};
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

/// The pipeline of the project's workflow `id` (404 `workflow_not_found` otherwise).
pub(crate) async fn pipeline_of(
    tx: &mut TenantTx,
    project: &str,
    id: &str,
) -> Result<String, ApiError> {
    store::workflow_pipeline(tx, project, id)
        .await?
        .ok_or_else(workflow_not_found)
}

/// Creates the task at the end of its column, within the project's task limit (counted under
/// the board lock, so concurrent creates cannot pass it together).
pub async fn create(
    tx: &mut TenantTx,
    project_id: &str,
    new: NewTask,
    limits: Limits,
) -> Result<(Task, Vec<Event>), ApiError> {
    let columns = board::lock_board(tx, project_id).await?;
    limits::room_for_tasks(store::count(tx, project_id).await?, 1, limits)?;
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
    // Positions are dense under the board lock, so the count is the end of the column.
    let in_column = board::count_in(tx, &column.id, None).await?;
    rules::check_wip(column, in_column)?;
    let position = in_column;
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
