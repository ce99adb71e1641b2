//! Runs: start, admission to the tenant's run slots, control (cancel, pause, resume, restart,
//! delete) and reads.

pub mod admission;
pub mod agents;
pub mod control;
pub mod delete;
pub mod events;
pub mod read;
pub mod reports;
pub mod session_stop;
pub mod slots;
pub mod start;
