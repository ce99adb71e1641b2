//! Rules that are neither HTTP nor SQL.

pub mod agent_config;
pub mod sandbox;
pub mod templates;
pub mod validate;
