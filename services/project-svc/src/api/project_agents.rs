//! Requests and answers of a project's agents and of their routine mappings.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use shared_schemas::ids::AgentId;

use crate::domain::validate::{self, finish};
use crate::store::project_agents::ColumnRef;

/// Rows the API answers with as they are stored.
pub use crate::store::project_agents::{Mapping, ProjectAgent};

pub const ROLES: [&str; 3] = ["lead", "member", "reviewer"];

pub fn check_role(role: &str, errors: &mut Vec<FieldError>) {
    if !ROLES.contains(&role) {
        errors.push(validate::err(
            "role",
            "must be `lead`, `member` or `reviewer`",
        ));
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AssignAgentRequest {
    /// An agent of agent-svc: its id (`agt_…`) or its slug in the caller's tenant.
    pub agent_id: String,
    /// `lead`, `member` (default) or `reviewer`.
    pub role: Option<String>,
}

impl Validate for AssignAgentRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let id_or_slug = if self.agent_id.starts_with("agt_") {
            AgentId::parse(self.agent_id.as_str()).is_ok()
        } else {
            shared_schemas::ids::validate_slug(&self.agent_id).is_ok()
        };
        if !id_or_slug || self.agent_id.len() > 128 {
            errors.push(validate::err(
                "agentId",
                "must be an agent id (`agt_…`) or an agent's slug",
            ));
        }
        if let Some(role) = &self.role {
            check_role(role, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    /// `assigned`.
    pub status: &'static str,
    pub project_id: String,
    pub agent_id: String,
    pub role: String,
    pub assigned_at: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgentRoleRequest {
    pub role: String,
}

impl Validate for UpdateAgentRoleRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_role(&self.role, &mut errors);
        finish(errors)
    }
}

const MAX_LIST: usize = 100;
const MAX_TOOL: usize = 128;

fn check_ids(path: &str, ids: Option<&Vec<String>>, max_len: usize, errors: &mut Vec<FieldError>) {
    let Some(ids) = ids else { return };
    if ids.len() > MAX_LIST {
        errors.push(validate::err(path, format!("at most {MAX_LIST} entries")));
    }
    for (i, id) in ids.iter().enumerate() {
        if id.trim().is_empty() || id.len() > max_len || id.chars().any(char::is_control) {
            errors.push(validate::err(
                &format!("{path}[{i}]"),
                format!("must be 1 to {max_len} characters"),
            ));
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateRoutineMappingRequest {
    /// A pulse routine of the agent in agent-svc.
    pub routine_id: String,
    /// Columns of this project the routine watches; absent: the routine's own columns.
    pub column_ids: Option<Vec<String>>,
    /// Tools for this routine on this project; absent: the routine's own tools.
    pub tool_overrides: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

impl Validate for CreateRoutineMappingRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.routine_id.len() > 64
            || shared_schemas::ids::validate_slug(&self.routine_id).is_err()
        {
            errors.push(validate::err(
                "routineId",
                "must be a routine id: 1 to 64 letters, digits, `_` or `-`",
            ));
        }
        check_ids("columnIds", self.column_ids.as_ref(), 64, &mut errors);
        check_ids(
            "toolOverrides",
            self.tool_overrides.as_ref(),
            MAX_TOOL,
            &mut errors,
        );
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MappingList {
    pub mappings: Vec<Mapping>,
    pub project_columns: Vec<ColumnRef>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateRoutineMappingRequest {
    /// A new list; `[]` goes back to the routine's own columns; absent keeps the current one.
    pub column_ids: Option<Vec<String>>,
    /// A new list; `[]` goes back to the routine's own tools; absent keeps the current one.
    pub tool_overrides: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

impl Validate for UpdateRoutineMappingRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        check_ids("columnIds", self.column_ids.as_ref(), 64, &mut errors);
        check_ids(
            "toolOverrides",
            self.tool_overrides.as_ref(),
            MAX_TOOL,
            &mut errors,
        );
        finish(errors)
    }
}

/// One enabled routine as it runs on this project.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedRoutine {
    pub routine_id: String,
    pub mapping_id: String,
    /// Column names; `null`: the routine's own columns.
    pub effective_columns: Option<Vec<String>>,
    /// The task statuses of those columns; `null` with `effectiveColumns`.
    pub effective_statuses: Option<Vec<String>>,
    /// `null`: the routine's own tools.
    pub effective_tools: Option<Vec<String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Resolved {
    pub resolved: Vec<ResolvedRoutine>,
}
