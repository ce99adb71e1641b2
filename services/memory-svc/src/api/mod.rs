//! Request and response types of memory-svc's HTTP API (serde + utoipa), in the contract's
//! field names.

pub mod graph;
pub mod scores;
pub mod search;
pub mod vaults;
