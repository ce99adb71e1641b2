//! Flows: the use cases: open the `TenantTx`, call store and domain, append events to the outbox
//! (`kit::outbox`), commit. The only layer that decides what happens.
//!
//! Here: starting, advancing, retrying and cancelling runs; every transition a conditional update plus an outbox event.

pub mod chat;
pub mod execute;
pub mod pipeline_cache;
pub mod pipeline_seed;
pub mod pipelines;
pub mod pulses;
pub mod runs;
pub mod steps;
pub mod workspaces;
