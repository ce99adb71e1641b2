//! project-svc uses kit's shared field rules, with its own limits.

pub use kit::validate::{
    MAX_NAME, MAX_TEXT, err, field_error, finish, is_slug, name, slug, slugify, text,
};

/// Task titles (the reference's column width).
pub const MAX_TITLE: usize = 512;
/// Descriptions, visions, onboarding messages.
pub const MAX_DESCRIPTION: usize = 64 * 1024;
