//! Rules that are neither HTTP nor SQL.

pub mod agent_config;
pub mod agents;
pub mod attachments;
pub mod channel_catalog;
pub mod channels;
pub mod chat;
pub mod inbox;
pub mod key_resolution;
pub mod llm_calls;
pub mod messaging;
pub mod provider_catalog;
pub mod providers;
pub mod pulse_config;
pub mod pulse_routines;
pub mod pulse_schedule;
pub mod sealed;
pub mod secrets;
pub mod settings;
pub mod skill_doc;
pub mod validate;
