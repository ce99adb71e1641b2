//! The use cases (ARCHITECTURE §3): each opens the tenant transaction, calls store and domain,
//! appends what other services must hear to the outbox, and commits. Handlers call one of these;
//! the outbox relay publishes after the commit, so a rolled-back change announces nothing.

pub mod access;
pub mod activity;
pub mod admin;
pub mod agent_config;
pub mod agents;
pub mod catalog;
pub mod channels;
pub mod fleet;
pub mod inbox;
pub mod lifecycle;
pub mod llm_calls;
pub mod messaging;
pub mod notices;
pub mod providers;
pub mod pulse_clock;
pub mod pulse_routines;
pub mod pulse_schedules;
pub mod pulses;
pub mod queue;
pub mod sandbox;
pub mod secret_grants;
pub mod secrets;
pub mod settings;
pub mod shares;
pub mod skill_grants;
pub mod skills;
pub mod templates;
pub mod tools;
pub mod user_providers;
