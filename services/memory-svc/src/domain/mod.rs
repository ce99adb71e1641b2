//! Pure rules: no IO, no store, no routes, no flows.

pub mod graph;
pub mod note;
pub mod paths;
pub mod scores;
