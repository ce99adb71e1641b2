//! Rules that are neither HTTP nor SQL.

pub mod agent_config;
pub mod secrets;
pub mod skill_doc;
pub mod skill_library;
pub mod validate;
