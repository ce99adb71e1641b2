//! Moving tasks on the board: `move` (column and place in the order), `claim` (an agent takes
//! the task) and `transition` (a status change that moves the task to its column). Workflow
//! policies (stage rules) are not applied here: `transition` maps a status to a column only.

use axum::Json;
use axum::extract::{Path, State};
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::validate::{err, finish};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::tasks as rules;
use crate::domain::validate::MAX_TEXT;
use crate::flows::task_moves::{self, Claim};
use crate::flows::{commit_with, open_project};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(move_task))
        .routes(routes!(claim))
        .routes(routes!(transition))
}

/// Positions above this are clamped to the end of the column anyway.
const MAX_POSITION: i64 = 1_000_000;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveTaskRequest {
    /// A column of this project (404 `column_not_found` otherwise).
    pub column_id: String,
    /// The index in the target column after the move (0 = top, the default); beyond the end
    /// means last.
    #[serde(default)]
    pub position: i64,
}

impl Validate for MoveTaskRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        rules::reference("columnId", &self.column_id, &mut e);
        if !(0..=MAX_POSITION).contains(&self.position) {
            e.push(err(
                "position",
                format!("must be between 0 and {MAX_POSITION}"),
            ));
        }
        finish(e)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MoveResponse {
    /// `moved`.
    pub status: &'static str,
    pub column_id: String,
    /// The index the task got (the request's, clamped to the column's length).
    pub position: usize,
    /// The task's status after the move.
    pub task_status: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimTaskRequest {
    /// The claiming agent (`agt_…`); an agent's credential may claim only for itself.
    pub agent_id: String,
}

impl Validate for ClaimTaskRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        rules::agent("agentId", &self.agent_id, &mut e);
        finish(e)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimResponse {
    /// `claimed`, or `already_claimed` when the agent held it already.
    pub status: &'static str,
    pub task_id: String,
    pub agent_id: String,
    /// The task's git branch (kept in its metadata as `git_branch`).
    pub branch: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionTaskRequest {
    /// A status some column of the project carries (422 otherwise).
    pub status: String,
    /// Kept in the task's `metadata.transition_notes` (the newest 100).
    pub note: Option<String>,
}

impl Validate for TransitionTaskRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        rules::status("status", &self.status, &mut e);
        kit::validate::text("note", self.note.as_deref(), MAX_TEXT, &mut e);
        finish(e)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransitionResponse {
    /// `transitioned`.
    pub status: &'static str,
    pub task_id: String,
    pub from_status: String,
    pub to_status: String,
    pub column_id: String,
    pub work_type: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub completed_stages: Option<serde_json::Value>,
}

/// Moves a task between columns of its project or within one, keeping every column's
/// positions dense; the status follows the target column. TASK_MOVED (+ TASK_STATUS_CHANGED).
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/move", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = MoveTaskRequest,
    responses((status = 200, body = MoveResponse), (status = 404), (status = 409), (status = 422)))]
async fn move_task(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<MoveTaskRequest>,
) -> Result<Json<MoveResponse>, ApiError> {
    let position = usize::try_from(req.position).unwrap_or(0);
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let (task, at, events) =
        task_moves::move_to(&mut tx, &project_id, &task_id, &req.column_id, position).await?;
    commit_with(tx, events).await?;
    Ok(Json(MoveResponse {
        status: "moved",
        column_id: task.column_id,
        position: at,
        task_status: task.status,
    }))
}

/// Assigns the task to an agent unless another agent holds it (409 `already_claimed`);
/// claimable statuses come from the project's semantics (400 `not_claimable`). TASK_CLAIMED.
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/claim", tag = "tasks",
    params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = ClaimTaskRequest,
    responses((status = 200, body = ClaimResponse), (status = 400), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn claim(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<ClaimTaskRequest>,
) -> Result<Json<ClaimResponse>, ApiError> {
    ctx.require_access_to_agent(&req.agent_id)?;
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let (outcome, events) =
        task_moves::claim(&mut tx, &project_id, &task_id, &req.agent_id).await?;
    commit_with(tx, events).await?;
    let (status, task, branch) = match outcome {
        Claim::Claimed(t, b) => ("claimed", t, b),
        Claim::AlreadyHeld(t, b) => ("already_claimed", t, b),
    };
    Ok(Json(ClaimResponse {
        status,
        task_id: task.id,
        agent_id: req.agent_id,
        branch,
    }))
}

/// Sets a task's status and moves it to the first column carrying it (unless its own does).
/// TASK_STATUS_CHANGED (+ TASK_MOVED).
#[utoipa::path(post, path = "/v1/projects/{project_id}/tasks/{task_id}/transition",
    tag = "tasks", params(("project_id" = String, Path), ("task_id" = String, Path)),
    request_body = TransitionTaskRequest,
    responses((status = 200, body = TransitionResponse), (status = 404), (status = 409),
        (status = 422)))]
async fn transition(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((project_id, task_id)): Path<(String, String)>,
    ValidJson(req): ValidJson<TransitionTaskRequest>,
) -> Result<Json<TransitionResponse>, ApiError> {
    let mut tx = open_project(&platform, &ctx, &project_id).await?;
    let (task, from, events) = task_moves::transition(
        &mut tx,
        &project_id,
        &task_id,
        &req.status,
        req.note.as_deref(),
    )
    .await?;
    commit_with(tx, events).await?;
    Ok(Json(TransitionResponse {
        status: "transitioned",
        task_id: task.id,
        from_status: from,
        to_status: task.status,
        column_id: task.column_id,
        work_type: task.work_type,
        completed_stages: task.completed_stages.map(|j| j.0),
    }))
}
