//! SQL, one module per resource. Every function runs inside a tenant transaction.

pub mod activity;
pub mod agents;
pub mod channels;
pub mod inbox;
pub mod llm_calls;
pub mod messaging;
pub mod providers;
pub mod pulse_routines;
pub mod pulses;
pub mod queue;
pub mod secrets;
pub mod settings;
pub mod shares;
pub mod skill_grants;
pub mod skills;
pub mod templates;
pub mod tools;

/// Epoch milliseconds, the unit of every timestamp column.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
