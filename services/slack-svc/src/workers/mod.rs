//! Workers: consumer-group handlers and background loops, each calling flows.
//!
//! Here: socket-mode connections and the partition rebalancer.
