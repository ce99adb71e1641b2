//! Workers: background loops, each calling flows.

pub mod cleanup;
pub mod scan;
