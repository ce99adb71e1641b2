//! agent-svc against real Postgres and Redis.

mod agents;
mod channels;
mod channels_cross_tenant;
mod cross_tenant;
mod helpers;
mod inbox;
mod lifecycle;
mod permissions;
mod queue;
mod sandbox;
mod templates;
mod tokens;
