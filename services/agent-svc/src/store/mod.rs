//! SQL, one module per resource. Every function runs inside a tenant transaction.

pub mod agents;
pub mod secrets;
pub mod skill_grants;
pub mod skills;

/// Epoch milliseconds, the unit of every timestamp column.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
