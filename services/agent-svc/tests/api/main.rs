//! agent-svc against real Postgres and Redis.

mod agents;
mod helpers;
mod secret_grants;
mod secrets;
mod skill_grants;
mod skills;
