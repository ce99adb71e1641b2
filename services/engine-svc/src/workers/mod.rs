//! Workers: consumer-group handlers and background loops, each calling flows.
//!
//! Here: the run-request consumer, the runtime stream readers, the reconciler and lease heartbeats.
pub mod heartbeat;
pub mod pipeline_seed;
pub mod reconciler;
