//! Input rules shared by the request types.

use kit::error::FieldError;

pub const MAX_EMAIL: usize = 320;
pub const MAX_NAME: usize = 256;
pub const MAX_SLUG: usize = 63;

fn err(path: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Normalised (trimmed, lower-case) email, or why it is not one.
pub fn email(path: &str, raw: &str, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim().to_lowercase();
    let valid = value.len() <= MAX_EMAIL
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        })
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.matches('@').count() == 1;
    if !valid {
        errors.push(err(path, "must be a valid email address"));
    }
    value
}

pub fn password(path: &str, value: &str, min: usize, max: usize, errors: &mut Vec<FieldError>) {
    let len = value.chars().count();
    if len < min {
        errors.push(err(path, format!("must be at least {min} characters")));
    } else if len > max {
        errors.push(err(path, format!("must be at most {max} characters")));
    }
}

/// A required human name: trimmed, 1..=max characters, no control characters.
pub fn name(path: &str, raw: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim().to_owned();
    if value.is_empty() {
        errors.push(err(path, "must not be empty"));
    } else if value.chars().count() > max {
        errors.push(err(path, format!("must be at most {max} characters")));
    } else if value.chars().any(char::is_control) {
        errors.push(err(path, "must not contain control characters"));
    }
    value
}

/// URL-safe identifier: lower-case letters, digits and inner hyphens.
pub fn slug(path: &str, raw: &str, errors: &mut Vec<FieldError>) -> String {
    let value = raw.trim().to_owned();
    let valid = (1..=MAX_SLUG).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if !valid {
        errors.push(err(
            path,
            format!("must be 1-{MAX_SLUG} lower-case letters, digits or inner hyphens"),
        ));
    }
    value
}

/// A slug made from free text (`"Acme Labs"` → `acme-labs`).
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(40).collect();
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "team".to_owned()
    } else {
        out
    }
}

pub fn finish(errors: Vec<FieldError>) -> Result<(), Vec<FieldError>> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        let mut e = Vec::new();
        assert_eq!(
            email("email", "  Ada@Example.COM ", &mut e),
            "ada@example.com"
        );
        assert!(e.is_empty());
        for bad in [
            "ada", "ada@", "@x.io", "a b@x.io", "a@b@c.io", "a@x", "a@.x.io", "a@x..io",
        ] {
            let mut e = Vec::new();
            email("email", bad, &mut e);
            assert_eq!(e.len(), 1, "{bad}");
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Labs!"), "acme-labs");
        assert_eq!(slugify("***"), "team");
        let mut e = Vec::new();
        slug("slug", "Bad Slug", &mut e);
        slug("slug", "-x", &mut e);
        assert_eq!(e.len(), 2);
    }
}
