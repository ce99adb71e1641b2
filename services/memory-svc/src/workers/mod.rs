//! Workers: background loops, each calling flows.

pub mod scan;
