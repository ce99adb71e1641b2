//! agent-svc against real Postgres and Redis.

mod agents;
mod channels;
mod channels_cross_tenant;
mod cross_tenant;
mod helpers;
mod inbox;
mod lifecycle;
mod permissions;
mod pulse_access;
mod pulse_routines;
mod pulses;
mod queue;
mod sandbox;
mod templates;
mod tokens;
