//! Rules that are neither HTTP nor SQL.

pub mod validate;
