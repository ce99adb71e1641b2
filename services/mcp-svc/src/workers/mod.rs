//! Workers: consumer-group handlers and background loops, each calling flows.
//!
//! Here: stdio process supervision and catalog refresh.
