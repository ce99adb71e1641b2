//! OIDC rules that are neither HTTP nor SQL: provider input, safe redirects, fragments.

use kit::error::FieldError;
use openidconnect::url::{Url, form_urlencoded};
use serde::Deserialize;

use crate::domain::validate::{self, MAX_NAME, finish};

/// Id of a provider: `oidc_` + random, like the reference's `oidc_` ids.
pub fn new_provider_id() -> String {
    format!("oidc_{}", shared_schemas::ids::random_body())
}

pub const DEFAULT_SCOPES: &str = "openid email profile";
const MAX_URL: usize = 2048;
const MAX_CLIENT_ID: usize = 512;
const MAX_SECRET: usize = 2048;
const MAX_SCOPES: usize = 512;
const MAX_BUTTON_TEXT: usize = 128;
/// Longest `?redirect=` path kept through a login.
const MAX_REDIRECT: usize = 512;

fn err(path: &str, message: &str) -> FieldError {
    FieldError {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

/// Who owns a new provider: the caller's tenant, or the platform (platform administrators).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderScope {
    #[default]
    Tenant,
    Platform,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProvider {
    pub name: String,
    pub slug: String,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Option<String>,
    pub button_text: Option<String>,
    pub button_color: Option<String>,
    pub icon_url: Option<String>,
    pub auto_discovery: Option<bool>,
    pub enabled: Option<bool>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    /// Platform providers only: email domains (`example.com`) whose existing accounts a login
    /// through this provider may link by email. Empty (default): it never links by email.
    pub trusted_email_domains: Option<Vec<String>>,
    /// Let logins without an `email_verified` claim create new accounts (never reach existing
    /// ones). Default false.
    pub allow_unverified_email: Option<bool>,
    /// `tenant` (default) or `platform` (platform administrators only).
    #[serde(default)]
    pub scope: ProviderScope,
}

/// Every field optional; for the optional texts (button, icon, endpoints) `""` clears them.
/// A `clientSecret` equal to the masked value the API showed keeps the stored secret.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProvider {
    pub name: Option<String>,
    pub issuer_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scopes: Option<String>,
    pub button_text: Option<String>,
    pub button_color: Option<String>,
    pub icon_url: Option<String>,
    pub auto_discovery: Option<bool>,
    pub enabled: Option<bool>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub trusted_email_domains: Option<Vec<String>>,
    pub allow_unverified_email: Option<bool>,
}

/// `^[a-z0-9][a-z0-9-]{1,31}$`, the reference's slug rule.
pub fn provider_slug(path: &str, slug: &str, errors: &mut Vec<FieldError>) {
    let bytes = slug.as_bytes();
    let ok = (2..=32).contains(&bytes.len())
        && bytes
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    if !ok {
        errors.push(err(
            path,
            "must be 2-32 lower-case letters, digits or hyphens, not starting with a hyphen",
        ));
    }
}

/// An absolute http(s) URL with a host, no credentials and no fragment.
pub fn web_url(path: &str, raw: &str, errors: &mut Vec<FieldError>) {
    let ok = raw.len() <= MAX_URL
        && Url::parse(raw).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
                && u.fragment().is_none()
        });
    if !ok {
        errors.push(err(path, "must be an absolute http(s) URL"));
    }
}

/// Client ids and secrets: non-empty, bounded, printable.
fn token_text(path: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    if value.is_empty() || value.len() > max || value.chars().any(char::is_control) {
        errors.push(err(path, &format!("must be 1-{max} printable characters")));
    }
}

/// Space-separated OAuth scope tokens (RFC 6749 §3.3).
fn scopes(path: &str, value: &str, errors: &mut Vec<FieldError>) {
    let ok = value.len() <= MAX_SCOPES
        && value.split(' ').filter(|s| !s.is_empty()).count() > 0
        && value
            .bytes()
            .all(|b| b == b' ' || (b'!'..=b'~').contains(&b) && b != b'"' && b != b'\\');
    if !ok {
        errors.push(err(path, "must be space-separated OAuth scopes"));
    }
}

/// `#rgb`, `#rrggbb` or `#rrggbbaa`: the dashboard puts it into CSS, so nothing else.
fn color(path: &str, value: &str, errors: &mut Vec<FieldError>) {
    let ok = value.strip_prefix('#').is_some_and(|hex| {
        matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if !ok {
        errors.push(err(path, "must be a hex colour like #1a2b3c"));
    }
}

struct Optionals<'a> {
    scopes: Option<&'a str>,
    button_text: Option<&'a str>,
    button_color: Option<&'a str>,
    icon_url: Option<&'a str>,
    endpoints: [(&'static str, Option<&'a str>); 4],
}

/// Checks the optional fields; `""` (clear) passes for the clearable ones.
fn check_optionals(o: &Optionals<'_>, errors: &mut Vec<FieldError>) {
    if let Some(s) = o.scopes {
        scopes("scopes", s, errors);
    }
    if let Some(t) = o.button_text.filter(|t| !t.is_empty()) {
        validate::name("buttonText", t, MAX_BUTTON_TEXT, errors);
    }
    if let Some(c) = o.button_color.filter(|c| !c.is_empty()) {
        color("buttonColor", c, errors);
    }
    if let Some(u) = o.icon_url.filter(|u| !u.is_empty()) {
        web_url("iconUrl", u, errors);
    }
    for (path, value) in o.endpoints {
        if let Some(u) = value.filter(|u| !u.is_empty()) {
            web_url(path, u, errors);
        }
    }
}

impl CreateProvider {
    fn optionals(&self) -> Optionals<'_> {
        Optionals {
            scopes: self.scopes.as_deref(),
            button_text: self.button_text.as_deref(),
            button_color: self.button_color.as_deref(),
            icon_url: self.icon_url.as_deref(),
            endpoints: endpoints(
                self.authorization_endpoint.as_deref(),
                self.token_endpoint.as_deref(),
                self.userinfo_endpoint.as_deref(),
                self.jwks_uri.as_deref(),
            ),
        }
    }
}

fn endpoints<'a>(
    auth: Option<&'a str>,
    token: Option<&'a str>,
    userinfo: Option<&'a str>,
    jwks: Option<&'a str>,
) -> [(&'static str, Option<&'a str>); 4] {
    [
        ("authorizationEndpoint", auth),
        ("tokenEndpoint", token),
        ("userinfoEndpoint", userinfo),
        ("jwksUri", jwks),
    ]
}

impl kit::extract::Validate for CreateProvider {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut errors);
        provider_slug("slug", &self.slug, &mut errors);
        web_url("issuerUrl", &self.issuer_url, &mut errors);
        token_text("clientId", &self.client_id, MAX_CLIENT_ID, &mut errors);
        token_text("clientSecret", &self.client_secret, MAX_SECRET, &mut errors);
        check_optionals(&self.optionals(), &mut errors);
        if let Some(domains) = &self.trusted_email_domains {
            email_domains("trustedEmailDomains", domains, &mut errors);
        }
        finish(errors)
    }
}

impl kit::extract::Validate for UpdateProvider {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            validate::name("name", name, MAX_NAME, &mut errors);
        }
        if let Some(url) = &self.issuer_url {
            web_url("issuerUrl", url, &mut errors);
        }
        if let Some(id) = &self.client_id {
            token_text("clientId", id, MAX_CLIENT_ID, &mut errors);
        }
        if let Some(secret) = &self.client_secret {
            token_text("clientSecret", secret, MAX_SECRET, &mut errors);
        }
        if let Some(domains) = &self.trusted_email_domains {
            email_domains("trustedEmailDomains", domains, &mut errors);
        }
        check_optionals(
            &Optionals {
                scopes: self.scopes.as_deref(),
                button_text: self.button_text.as_deref(),
                button_color: self.button_color.as_deref(),
                icon_url: self.icon_url.as_deref(),
                endpoints: endpoints(
                    self.authorization_endpoint.as_deref(),
                    self.token_endpoint.as_deref(),
                    self.userinfo_endpoint.as_deref(),
                    self.jwks_uri.as_deref(),
                ),
            },
            &mut errors,
        );
        finish(errors)
    }
}

/// Without discovery the provider's endpoints must be configured by hand.
pub fn manual_endpoints_complete(
    auto_discovery: bool,
    authorization: Option<&str>,
    token: Option<&str>,
    jwks: Option<&str>,
) -> Result<(), Vec<FieldError>> {
    if auto_discovery {
        return Ok(());
    }
    let missing: Vec<FieldError> = endpoints(authorization, token, Some("-"), jwks)
        .into_iter()
        .filter(|(_, v)| v.is_none_or(str::is_empty))
        .map(|(path, _)| err(path, "is required when autoDiscovery is false"))
        .collect();
    finish(missing)
}

/// Every URL the server itself will fetch must be https unless insecure http is allowed.
pub fn require_tls(urls: &[(&str, Option<&str>)], allow_http: bool) -> Result<(), Vec<FieldError>> {
    if allow_http {
        return Ok(());
    }
    finish(
        urls.iter()
            .filter(|(_, u)| u.is_some_and(|u| u.starts_with("http://")))
            .map(|(path, _)| err(path, "must use https"))
            .collect(),
    )
}

/// `Some("")` clears an optional text, `Some(x)` sets it, `None` keeps it.
pub fn merge_optional(current: Option<String>, change: Option<&str>) -> Option<String> {
    match change {
        None => current,
        Some("") => None,
        Some(value) => Some(value.trim().to_owned()),
    }
}

/// The `?redirect=` of an authorize request, if it is a plain path on the dashboard: starts
/// with one `/`, no scheme or authority, no backslashes, no control characters. Anything else
/// could send the tokens' recipient elsewhere (an open redirect).
pub fn safe_redirect_path(raw: &str) -> Option<String> {
    let ok = raw.len() <= MAX_REDIRECT
        && raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && !raw.contains('#')
        && !raw.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| raw.to_owned())
}

/// `{dashboard_url}/auth/callback#k=v&…`: tokens travel in the fragment, which browsers never
/// send to a server or put into a Referer.
pub fn dashboard_callback(dashboard_url: &str, pairs: &[(&str, &str)]) -> String {
    let mut fragment = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        fragment.append_pair(key, value);
    }
    format!(
        "{}/auth/callback#{}",
        dashboard_url.trim_end_matches('/'),
        fragment.finish()
    )
}

/// An error code a provider sent back (`access_denied`, …), if it is a well-formed one.
pub fn provider_error_code(raw: &str) -> &'static str {
    match raw {
        "access_denied" => "access_denied",
        "login_required" => "login_required",
        "consent_required" => "consent_required",
        "interaction_required" => "interaction_required",
        "temporarily_unavailable" => "provider_unavailable",
        _ => "provider_error",
    }
}

mod link;
#[cfg(test)]
mod tests;

pub use link::{
    LOGIN_COOKIE, email_domains, login_cookie, login_cookie_value, may_link_by_email,
    normalize_domains, trust_is_platform_only,
};
