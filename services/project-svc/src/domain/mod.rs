//! Rules that are neither HTTP nor SQL.

pub mod board;
pub mod graph;
pub mod import;
pub mod limits;
pub mod onboarding;
pub mod projects;
pub mod tasks;
pub mod templates;
pub mod validate;
pub mod workflows;
