//! agent-svc against real Postgres and Redis.

mod agents;
mod cross_tenant;
mod helpers;
mod lifecycle;
mod sandbox;
mod templates;
