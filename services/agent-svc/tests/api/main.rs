//! agent-svc against real Postgres and Redis.

mod agents;
mod helpers;
mod secrets;
mod skill_grants;
mod skills;
