//! Workers: consumer-group handlers and background loops, each calling flows.
//!
//! Here: delivery dispatch and retry.
