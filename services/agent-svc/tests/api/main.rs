//! agent-svc against real Postgres and Redis.

mod agents;
mod helpers;
mod sandbox;
mod templates;
