//! Rules that are neither HTTP nor SQL.

pub mod agent_config;
pub mod channels;
pub mod inbox;
pub mod notify;
pub mod pulse_config;
pub mod pulse_routines;
pub mod pulse_schedule;
pub mod sandbox;
pub mod templates;
pub mod validate;
