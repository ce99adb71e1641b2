//! Rules that are neither HTTP nor SQL.

pub mod onboarding;
pub mod templates;
pub mod validate;
