//! Events on the Redis streams (ARCHITECTURE §5, CONTRACTS §5.1).
//!
//! An event is one flat JSON object: the envelope header (`id`, `type`, `tenantId`, `runId`,
//! `timestamp`) beside the payload fields, all camelCase. [`EventEnvelope`] reads and writes that
//! shape with a typed [`Event`]; [`RawEnvelope`] and [`decode`] let a consumer read the header of
//! an event type it does not know and skip it.
//!
//! Payload structs are grouped by who publishes them: [`run`] (run stream), [`container`],
//! [`run_admin`], [`project`], [`onboarding`], [`platform`], [`usage`], [`sessions`] and
//! [`chat`]. A payload never has a field named like a header field, since both share one object.

pub mod chat;
pub mod container;
mod envelope;
mod kind;
pub mod onboarding;
pub mod platform;
pub mod project;
pub mod run;
pub mod run_admin;
pub mod sessions;
pub mod usage;

pub use envelope::{Decoded, EventEnvelope, EventError, RawEnvelope, decode};
pub use kind::Event;
