//! Domain: pure rules: no IO, no store, no routes, no flows.
//!
//! Here: the run state machine, pipeline resolution and the per-tenant run limit, without IO.

pub mod loops;
pub mod machine;
pub mod outputs;
pub mod pipeline_check;
pub mod step_settings;
pub mod template;
