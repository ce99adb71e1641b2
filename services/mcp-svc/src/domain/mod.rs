//! Domain: pure rules: no IO, no store, no routes, no flows.
//!
//! Here: tool catalog merging and grant rules, without IO.
