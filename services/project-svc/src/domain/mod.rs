//! Rules that are neither HTTP nor SQL.

pub mod onboarding;
pub mod task_changes;
pub mod task_moves;
pub mod tasks;
pub mod templates;
pub mod validate;
