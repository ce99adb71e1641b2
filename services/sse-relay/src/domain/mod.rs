//! Domain: pure rules: no IO, no store, no routes, no flows.
//!
//! Here: event filtering and frame formatting, without IO.
