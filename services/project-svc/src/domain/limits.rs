//! How much one project may hold (security review M9): the dependency graph, the timeline and
//! the ready-task search read every task and edge of a project, so a project without a limit
//! could make one request load gigabytes. The task and dependency limits are settings
//! (`MAX_TASKS_PER_PROJECT`, `MAX_DEPENDENCIES_PER_PROJECT`); workflows, agents and routine
//! mappings are few by nature and have fixed limits.

use axum::http::StatusCode;
use kit::ApiError;

use crate::config::ProjectConfig;

/// Workflows of one project.
pub const MAX_WORKFLOWS: i64 = 100;
/// Agents assigned to one project.
pub const MAX_AGENTS: i64 = 200;
/// Routine mappings of one agent in one project.
pub const MAX_ROUTINE_MAPPINGS: i64 = 100;

/// The configured limits of one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub tasks: u32,
    pub dependencies: u32,
}

impl From<&ProjectConfig> for Limits {
    fn from(config: &ProjectConfig) -> Self {
        Self {
            tasks: config.max_tasks_per_project,
            dependencies: config.max_dependencies_per_project,
        }
    }
}

fn reached(code: &'static str, what: &str, held: i64, adding: i64, limit: i64) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        code,
        format!(
            "the project holds {held} {what} and may hold at most {limit}; \
             {adding} more would pass that limit"
        ),
    )
}

/// 409 `task_limit_reached` unless `adding` tasks fit beside the `held` ones.
pub fn room_for_tasks(held: i64, adding: usize, limits: Limits) -> Result<(), ApiError> {
    room(
        "task_limit_reached",
        "tasks",
        held,
        adding,
        i64::from(limits.tasks),
    )
}

/// 409 `dependency_limit_reached` unless `adding` edges fit beside the `held` ones.
pub fn room_for_dependencies(held: i64, adding: usize, limits: Limits) -> Result<(), ApiError> {
    room(
        "dependency_limit_reached",
        "dependencies",
        held,
        adding,
        i64::from(limits.dependencies),
    )
}

/// 409 `{code}` when one more of `what` would pass `limit` (the fixed limits above).
pub fn room(
    code: &'static str,
    what: &str,
    held: i64,
    adding: usize,
    limit: i64,
) -> Result<(), ApiError> {
    let adding = i64::try_from(adding).unwrap_or(i64::MAX);
    if held.saturating_add(adding) > limit {
        return Err(reached(code, what, held, adding, limit));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_reached_only_past_it() {
        let limits = Limits {
            tasks: 3,
            dependencies: 1,
        };
        assert!(room_for_tasks(2, 1, limits).is_ok());
        assert!(room_for_tasks(0, 3, limits).is_ok());
        let err = room_for_tasks(3, 1, limits).expect_err("full");
        assert!(matches!(
            err,
            ApiError::Client {
                code: "task_limit_reached",
                ..
            }
        ));
        assert!(room_for_dependencies(0, 2, limits).is_err());
        assert!(room_for_tasks(0, usize::MAX, limits).is_err());
    }
}
