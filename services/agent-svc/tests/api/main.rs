//! agent-svc against real Postgres and Redis.

mod agents;
mod helpers;
mod pulse_access;
mod pulse_routines;
mod pulses;
