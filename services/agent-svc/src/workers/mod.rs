//! Consumer-group handlers and background loops; each calls a flow.

pub mod activity;
pub mod pulse_clock;
