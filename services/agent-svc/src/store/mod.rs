//! SQL, one module per resource, every function inside a tenant transaction; and the files
//! agent-svc reads and writes (`sandbox`: agents' sandboxes under DATA_PATH; `skill_library` and
//! `template_files`: the repository's global catalogs).

pub mod activity;
pub mod agents;
pub mod channels;
pub mod fleet;
pub mod inbox;
pub mod llm_calls;
pub mod messaging;
pub mod providers;
pub mod pulse_fires;
pub mod pulse_routines;
pub mod pulses;
pub mod queue;
pub mod sandbox;
pub mod secrets;
pub mod settings;
pub mod shares;
pub mod skill_grants;
pub mod skill_library;
pub mod skills;
pub mod template_files;
pub mod templates;
pub mod tools;

/// Epoch milliseconds, the unit of every timestamp column.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
