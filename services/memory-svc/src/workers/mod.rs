//! Workers: consumer-group handlers and background loops, each calling flows.
//!
//! Here: ingest and re-index consumers.
