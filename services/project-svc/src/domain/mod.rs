//! Rules that are neither HTTP nor SQL.

pub mod validate;
pub mod workflows;
