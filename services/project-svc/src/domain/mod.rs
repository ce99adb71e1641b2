//! Rules that are neither HTTP nor SQL.

pub mod board;
pub mod projects;
pub mod validate;
