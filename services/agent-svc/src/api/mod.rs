//! Request and response types of agent-svc's HTTP API (serde + utoipa `ToSchema`), one module
//! per resource. Types other services also use live in shared-schemas.

pub mod admin;
pub mod agent_config;
pub mod agents;
pub mod channels;
pub mod chat;
pub mod chat_attachments;
pub mod chat_internal;
pub mod inbox;
pub mod lifecycle;
pub mod llm_calls;
pub mod messaging;
pub mod providers;
pub mod pulse_agent;
pub mod pulse_routines;
pub mod pulses;
pub mod queue;
pub mod sandbox;
pub mod secret_grants;
pub mod secrets;
pub mod settings;
pub mod shares;
pub mod skill_grants;
pub mod skills;
pub mod support;
pub mod templates;
pub mod tools;
pub mod user_providers;
pub mod work_locks;
