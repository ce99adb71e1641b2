//! Field rules the request types of every service share (names, slugs, bounded text); each
//! failed rule is a `FieldError` with the path of the field, for a 422 listing them all.

use crate::ApiError;
use crate::error::FieldError;

pub const MAX_NAME: usize = 256;
pub const MAX_SLUG: usize = 128;
/// Persona files, skill bodies, routine instructions: generous, but bounded.
pub const MAX_DOCUMENT: usize = 256 * 1024;
pub const MAX_SHORT: usize = 256;
pub const MAX_TEXT: usize = 16 * 1024;

pub fn err(path: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        path: path.to_owned(),
        message: message.into(),
    }
}

pub fn finish(errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A required human name: trimmed, 1..=max characters, no control characters.
pub fn name(path: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) {
    let value = raw.trim();
    if value.is_empty() {
        errors.push(err(path, "must not be empty"));
    } else if value.chars().count() > max {
        errors.push(err(path, format!("must be at most {max} characters")));
    } else if value.chars().any(char::is_control) {
        errors.push(err(path, "must not contain control characters"));
    }
}

/// Optional text with an upper bound in bytes.
pub fn text(path: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) {
    if let Some(v) = value
        && v.len() > max
    {
        errors.push(err(path, format!("must be at most {max} bytes")));
    }
}

/// URL-safe identifier: lower-case letters, digits and inner hyphens, 1..=128 characters.
pub fn is_slug(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_SLUG
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

pub fn slug(path: &str, value: &str, errors: &mut Vec<FieldError>) {
    if !is_slug(value) {
        errors.push(err(
            path,
            "must be 1 to 128 lower-case letters, digits or inner hyphens",
        ));
    }
}

/// A slug made from a display name (`Research Lead` → `research-lead`).
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(MAX_SLUG).collect();
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "agent".to_owned()
    } else {
        out
    }
}

/// A single failed field as an error response (for checks made outside `Validate`).
pub fn field_error(path: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![err(path, message)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_slug("researcher"));
        assert!(is_slug("a-1"));
        for bad in ["", "-a", "a-", "A", "a_b", "a b", "a/b", "é"] {
            assert!(!is_slug(bad), "{bad}");
        }
        assert_eq!(slugify("  Research Lead!! "), "research-lead");
        assert_eq!(slugify("!!!"), "agent");
        assert!(is_slug(&slugify(&"x ".repeat(300))));
    }
}
