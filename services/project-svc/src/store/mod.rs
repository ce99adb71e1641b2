//! SQL, one module per resource. Every function runs inside a tenant transaction and filters
//! by its tenant explicitly (row-level security would hide other tenants' rows anyway).

pub mod agent_work;
pub mod board;
pub mod columns;
pub mod dependencies;
pub mod import;
pub mod onboarding;
pub mod onboarding_chats;
pub mod project_agents;
pub mod projects;
pub mod task_board;
pub mod task_runs;
pub mod tasks;
pub mod templates;
pub mod workflows;

/// Epoch milliseconds, the unit of every timestamp column.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A fresh id with a prefix (`col_…`, `dep_…`): the same alphabet as the platform's ids.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", shared_schemas::ids::random_body())
}
