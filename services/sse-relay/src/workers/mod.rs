//! Workers: consumer-group handlers and background loops, each calling flows.
//!
//! Here: stream readers shared by the connections of one instance.
