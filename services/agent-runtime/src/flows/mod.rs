//! The runtime's use cases: the session with the engine over Redis, and the work of one request.

pub mod request;
pub mod session;
pub mod structured;
