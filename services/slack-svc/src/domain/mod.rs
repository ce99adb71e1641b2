//! Domain: pure rules: no IO, no store, no routes, no flows.
//!
//! Here: partition assignment and message mapping, without IO.
