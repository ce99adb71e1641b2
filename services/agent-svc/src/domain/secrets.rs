//! Rules for tenant secrets: the known types, env var names, and who may manage a secret.

use kit::error::FieldError;
use kit::{ApiError, TenantContext};

use crate::domain::validate;

/// The secret types the UI offers, with their labels (contract §10).
pub const TYPES: [(&str, &str); 7] = [
    ("pat", "Personal access token"),
    ("ssh_key", "SSH private key"),
    ("env_var", "Environment variable"),
    ("password", "Password"),
    ("api_key", "API key"),
    ("token", "Token"),
    ("other", "Other"),
];

pub fn type_label(secret_type: &str) -> &str {
    TYPES
        .iter()
        .find(|(value, _)| *value == secret_type)
        .map_or(secret_type, |(_, label)| label)
}

pub fn check_type(path: &str, secret_type: &str, errors: &mut Vec<FieldError>) {
    if !TYPES.iter().any(|(value, _)| *value == secret_type) {
        let known: Vec<_> = TYPES.iter().map(|(v, _)| *v).collect();
        errors.push(validate::err(
            path,
            format!("must be one of {}", known.join(", ")),
        ));
    }
}

/// Variables the runtime itself depends on: a secret must not replace them, or a tenant could
/// break (or redirect) its own agent's process, e.g. through `LD_PRELOAD` or `PATH`.
const RESERVED: [&str; 9] = [
    "PATH",
    "HOME",
    "USER",
    "SHELL",
    "PWD",
    "HOSTNAME",
    "TENANT_ID",
    "AGENT_ID",
    "RUN_ID",
];
const RESERVED_PREFIXES: [&str; 3] = ["LD_", "DJINNBOT_", "DJB_"];

/// The reference accepted `github_token` and stored `GITHUB_TOKEN`; so do we.
pub fn normalize_env_key(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// `^[A-Z_][A-Z0-9_]{0,127}$` after normalising, and not one of the runtime's own variables.
pub fn check_env_key(path: &str, raw: &str, errors: &mut Vec<FieldError>) {
    let key = normalize_env_key(raw);
    let bytes = key.as_bytes();
    let well_formed = !bytes.is_empty()
        && bytes.len() <= 128
        && !bytes[0].is_ascii_digit()
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
    if !well_formed {
        errors.push(validate::err(
            path,
            "must be 1 to 128 letters, digits or underscores, not starting with a digit",
        ));
    } else if RESERVED.contains(&key.as_str())
        || RESERVED_PREFIXES.iter().any(|p| key.starts_with(p))
    {
        errors.push(validate::err(
            path,
            format!("`{key}` is reserved for the agent runtime"),
        ));
    }
}

/// Any user of the tenant may create secrets; changing, deleting or granting one (which hands its
/// plaintext to an agent) is for tenant admins and the user who created it. `admin` is the
/// caller's role as auth-svc confirmed it (`extract::UserRights`), never the token's claim alone.
pub fn require_manager(ctx: &TenantContext, admin: bool, created_by: &str) -> Result<(), ApiError> {
    ctx.require_user()?;
    if admin || ctx.subject() == created_by {
        return Ok(());
    }
    Err(ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "not_secret_owner",
        "only a tenant admin or the secret's creator may change it",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_ok(raw: &str) -> bool {
        let mut errors = Vec::new();
        check_env_key("env_key", raw, &mut errors);
        errors.is_empty()
    }

    #[test]
    fn env_keys() {
        for good in [
            "GITHUB_TOKEN",
            "github_token",
            "_X",
            "A1",
            " OPENAI_API_KEY ",
        ] {
            assert!(env_ok(good), "{good}");
        }
        let long = "A".repeat(129);
        for bad in [
            "",
            "1ABC",
            "A-B",
            "A B",
            "A=B",
            "PATH",
            "ld_preload",
            "DJINNBOT_X",
            &long,
        ] {
            assert!(!env_ok(bad), "{bad}");
        }
        assert_eq!(normalize_env_key(" gh_pat "), "GH_PAT");
    }

    #[test]
    fn types_have_labels() {
        assert_eq!(type_label("pat"), "Personal access token");
        assert_eq!(type_label("custom"), "custom");
        let mut errors = Vec::new();
        check_type("secret_type", "nope", &mut errors);
        assert_eq!(errors.len(), 1);
    }
}
