//! agent-svc against real Postgres and Redis.

mod agents;
mod channels;
mod channels_cross_tenant;
mod creds;
mod cross_tenant;
mod helpers;
mod inbox;
mod lifecycle;
mod llm_calls;
mod permissions;
mod providers;
mod pulse_access;
mod pulse_routines;
mod pulses;
mod queue;
mod sandbox;
mod secret_grants;
mod secrets;
mod settings;
mod shares;
mod skill_grants;
mod skill_library;
mod skills;
mod templates;
mod tokens;
mod user_keys;
