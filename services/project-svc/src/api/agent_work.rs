//! Query of `GET /v1/agents/{agent_id}/projects/{project_id}/tasks` (`routes::agent_work`); the
//! answers are the rows of `store::agent_work`.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::Deserialize;

use crate::domain::board;
use crate::domain::validate::{err, finish};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AgentTasksQuery {
    /// Only tasks in this status (e.g. `ready`, `in_progress`).
    pub status: Option<String>,
}

impl Validate for AgentTasksQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(status) = self.status.as_deref().filter(|s| !board::is_status(s)) {
            errors.push(err("status", format!("`{status}` is not a task status")));
        }
        finish(errors)
    }
}
