//! Flows: the use cases. sse-relay has no tables, so no transaction is ever open here.
//!
//! Here: who may watch what (`access`), how many streams a caller holds (`caps`), and opening a
//! stream at its resume point and relaying it (`relay`).

pub mod access;
pub mod backfill;
pub mod caps;
pub mod relay;
