//! agent-svc against real Postgres and Redis.

mod agents;
mod helpers;
mod lifecycle;
mod sandbox;
mod templates;
