//! Workers: background loops.
//!
//! Here: the hub, this replica's shared blocking readers of the streams clients watch.

pub mod hub;
