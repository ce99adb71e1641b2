//! Redis building blocks shared by the services (architecture §5).
//!
//! - [`keys`]: the only place a Redis key or channel name is spelled, so tenant namespacing
//!   (wall 4 of the tenancy model) is decided once.
//! - [`publish`]: the dual publish of spec §3.5.1, global and tenant streams written all or none.
//! - [`worker`]: consumer-group workers with at-least-once delivery, reclaiming and dead letters.
//! - [`lease`]: single-holder leases with fencing tokens and a heartbeat.
//! - [`acl`]: the Redis ACL users of the services and of each run's agent-runtime.
//!
//! Everything takes a [`Keys`] so two installations (or two tests) never see each other's keys.

pub mod acl;
pub mod error;
pub mod keys;
pub mod lease;
pub mod publish;
pub mod worker;

pub use error::BusError;
pub use keys::Keys;
pub use lease::{Heartbeat, Lease};
pub use publish::Publisher;
pub use worker::{StreamEntry, Worker, default_consumer_id};
