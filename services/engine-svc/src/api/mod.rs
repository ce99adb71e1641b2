//! API: request and response types of this service's HTTP API (serde + utoipa `ToSchema`); types other
//! services also use live in `shared-schemas`.
//!
//! Here: pipelines, runs, steps, sessions and workspaces as the HTTP API shows them.

pub mod pipelines;
pub mod run_reads;
pub mod runs;
pub mod steps;
pub mod workspaces;
