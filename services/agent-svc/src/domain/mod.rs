//! Rules that are neither HTTP nor SQL.

pub mod agent_config;
pub mod channels;
pub mod inbox;
pub mod notify;
pub mod sandbox;
pub mod templates;
pub mod validate;
