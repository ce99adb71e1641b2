//! Store: SQL for one table family per file: functions taking `&mut TenantTx`.
//!
//! Here: SQL of the `engine` schema: pipelines, runs, steps, outputs, loop state.

pub mod attempts;
pub mod loop_state;
pub mod outputs;
pub mod pipeline_seed;
pub mod pipelines;
pub mod runs;
pub mod runtime_sweep;
pub mod sessions;
pub mod steps;
