//! Workers: background loops.
//!
//! Here: the hub, this replica's shared blocking readers of the streams clients watch, and the
//! trimming of event streams by age.

pub mod hub;
pub mod retention;
