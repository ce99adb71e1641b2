//! Domain: pure rules: no IO, no store, no routes, no flows.
//!
//! Here: signature checks and payload mapping, without IO.
