//! Who an OIDC login may reach (security review H3/H4) and the cookie binding a login to its
//! browser (M2).

use kit::error::FieldError;

use super::err;

/// Most email domains one provider may be trusted for.
const MAX_TRUSTED_DOMAINS: usize = 50;

/// Email domains as stored: trimmed, lower-case, without duplicates.
pub fn normalize_domains(domains: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = domains
        .into_iter()
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Each a DNS name with at least one dot (`example.com`), no wildcards.
pub fn email_domains(path: &str, domains: &[String], errors: &mut Vec<FieldError>) {
    let valid = |d: &str| {
        let d = d.trim();
        d.len() <= 253
            && d.contains('.')
            && d.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    if domains.len() > MAX_TRUSTED_DOMAINS {
        errors.push(err(path, &format!("at most {MAX_TRUSTED_DOMAINS} domains")));
    }
    for (i, d) in domains.iter().enumerate() {
        if !valid(d) {
            errors.push(err(
                &format!("{path}[{i}]"),
                "must be a domain like example.com",
            ));
        }
    }
}

/// Only a platform provider (configured by platform administrators) can be trusted to link
/// existing accounts by email: a tenant's administrators control what their own provider says.
pub fn trust_is_platform_only(
    is_tenant_provider: bool,
    domains: &[String],
) -> Result<(), Vec<FieldError>> {
    if is_tenant_provider && !domains.is_empty() {
        return Err(vec![err(
            "trustedEmailDomains",
            "only platform providers can be trusted to link accounts by email",
        )]);
    }
    Ok(())
}

/// Whether a login through a provider may link the existing account with `email` by the email
/// alone (review H3): only a platform provider trusted for exactly that email's domain.
/// Everything else needs the account's own proof (its signed-in session starting the link).
pub fn may_link_by_email(provider_tenant: Option<&str>, trusted: &[String], email: &str) -> bool {
    let Some((_, domain)) = email.rsplit_once('@') else {
        return false;
    };
    provider_tenant.is_none() && trusted.iter().any(|t| t.eq_ignore_ascii_case(domain))
}

/// The cookie that binds a login to the browser that started it (review M2). `__Host-`: the
/// browser keeps it only if it is `Secure`, has `Path=/` and no `Domain`, so no sibling
/// subdomain can plant one. Browsers accept `Secure` cookies over plain http only from
/// `localhost`; a development setup on another plain-http host cannot finish OIDC logins.
pub const LOGIN_COOKIE: &str = "__Host-djb_oidc";
/// Length of a login cookie's value: 32 random bytes, base64url without padding.
const LOGIN_COOKIE_LEN: usize = 43;

/// The `Set-Cookie` value for a login nonce; it lives as long as a started login.
pub fn login_cookie(value: &str, max_age_secs: u64) -> String {
    format!(
        "{LOGIN_COOKIE}={value}; Path=/; Max-Age={max_age_secs}; Secure; HttpOnly; SameSite=Lax"
    )
}

/// The login nonce among `Cookie` headers, if one is there and well-formed.
pub fn login_cookie_value<'a>(headers: impl Iterator<Item = &'a str>) -> Option<String> {
    headers
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LOGIN_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| {
            v.len() == LOGIN_COOKIE_LEN
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
}
