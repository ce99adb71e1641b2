//! agent-svc against real Postgres and Redis.

mod agents;
mod channels;
mod cross_tenant;
mod helpers;
mod inbox;
mod permissions;
mod queue;
mod tokens;
