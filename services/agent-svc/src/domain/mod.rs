//! Rules that are neither HTTP nor SQL.

pub mod agent_config;
pub mod key_resolution;
pub mod llm_calls;
pub mod provider_catalog;
pub mod providers;
pub mod sealed;
pub mod settings;
pub mod validate;
