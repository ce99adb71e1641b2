//! Rules that are neither HTTP nor SQL.

pub mod graph;
pub mod import;
pub mod validate;
