//! Store: SQL for one table family per file: functions taking `&mut TenantTx`.
//!
//! Here: SQL of the `engine` schema: pipelines, runs, steps, outputs, loop state.
pub mod pipeline_seed;
pub mod pipelines;
pub mod runtime_sweep;
