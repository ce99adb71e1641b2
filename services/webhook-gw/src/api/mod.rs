//! API: request and response types of this service's HTTP API (serde + utoipa `ToSchema`); types other
//! services also use live in `shared-schemas`.
//!
//! Here: webhook delivery and GitHub installation types.
