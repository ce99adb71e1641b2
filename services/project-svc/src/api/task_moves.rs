//! Requests and answers of moving tasks on the board: move, claim, transition.

use kit::error::FieldError;
use kit::extract::Validate;
use kit::validate::{err, finish};
use serde::{Deserialize, Serialize};

use crate::domain::tasks as rules;
use crate::domain::validate::MAX_TEXT;

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
