//! The runtime's use cases: the session with the engine over Redis.

pub mod session;
