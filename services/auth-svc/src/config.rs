//! auth-svc's own settings, read from the same layered sources as kit's.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::api::PASSWORD_LIMITS;
use crate::domain::crypto::SecretBox;
use crate::domain::throttle::Limit;
use crate::domain::validate;

#[derive(Debug, Clone, Deserialize)]
pub struct AuthConfig {
    /// 64 hex characters (32 bytes): encrypts TOTP secrets, OIDC client secrets, SMTP passwords.
    /// Required even in dev mode: an ephemeral key would make stored secrets unreadable later.
    pub secret_encryption_key: Option<SecretString>,
    #[serde(default = "yes")]
    pub registration_enabled: bool,
    #[serde(default = "default_refresh_ttl")]
    pub auth_refresh_token_ttl: u64,
    /// A rotated refresh token still answers with its successor this long after its (first)
    /// rotation, for a client that lost the response; later it revokes the family.
    #[serde(default = "default_reuse_grace")]
    pub auth_refresh_reuse_grace_secs: u64,
    /// Absolute lifetime of a session family (from the login); rotation never extends it.
    #[serde(default = "default_family_max")]
    pub auth_refresh_family_max_secs: u64,
    #[serde(default = "default_account_failures")]
    pub login_max_failures_per_account: u64,
    #[serde(default = "default_ip_failures")]
    pub login_max_failures_per_ip: u64,
    #[serde(default = "default_failure_window")]
    pub login_failure_window_secs: u64,
    /// Longest an account stays locked; lockouts double per failure up to this.
    #[serde(default = "default_lockout_cap")]
    pub login_lockout_cap_secs: u64,
    /// Trust the last `X-Forwarded-For` hop (set by our HAProxy) as the client address...
    #[serde(default = "yes")]
    pub trust_forwarded_for: bool,
    /// ...but only on connections from these networks (comma-separated CIDRs): anyone else
    /// reaching auth-svc directly could otherwise pick its own address for every limit.
    #[serde(default = "default_proxies", deserialize_with = "cidrs")]
    pub trusted_proxy_cidrs: Vec<ipnet::IpNet>,
    /// Registrations (and first-run setups) per client address (an IPv6 /64) per window.
    #[serde(default = "default_register_max")]
    pub register_max_per_ip: u64,
    #[serde(default = "default_register_window")]
    pub register_window_secs: u64,
    /// Login attempts per client address and per account, and refreshes per client address,
    /// per `AUTH_THROTTLE_WINDOW_SECS`; checked before any password hashing.
    #[serde(default = "default_login_max_ip")]
    pub login_max_per_ip: u64,
    #[serde(default = "default_login_max_account")]
    pub login_max_per_account: u64,
    #[serde(default = "default_refresh_max_ip")]
    pub refresh_max_per_ip: u64,
    #[serde(default = "default_throttle_window")]
    pub auth_throttle_window_secs: u64,
    pub password_hash_threads: Option<usize>,
    #[serde(default = "default_hash_queue")]
    pub password_hash_queue: usize,
    /// Workers and queue of the pool for new passwords (register, setup, new accounts).
    pub password_signup_hash_threads: Option<usize>,
    #[serde(default = "default_signup_hash_queue")]
    pub password_signup_hash_queue: usize,
    #[serde(default = "default_totp_issuer")]
    pub auth_totp_issuer: String,
    /// How often every non-active tenant's status is rewritten to Redis (also once at start).
    #[serde(default = "default_status_sync")]
    pub tenant_status_sync_secs: u64,
    /// Where browsers land after an OIDC login (tokens in the fragment).
    #[serde(default = "default_dashboard_url")]
    pub dashboard_url: String,
    /// Waitlist sign-ups accepted from one client address (an IPv6 /64) per window.
    #[serde(default = "default_join_limit")]
    pub waitlist_join_max_per_ip: u64,
    #[serde(default = "default_join_window")]
    pub waitlist_join_window_secs: u64,
    /// How long the registration link of an invitation works.
    #[serde(default = "default_invite_ttl")]
    pub waitlist_invite_ttl_secs: u64,
    /// Bound on one SMTP delivery (connect, TLS, dialogue); below the request timeout so a slow
    /// mail server answers 502, not a timeout.
    #[serde(default = "default_smtp_timeout")]
    pub smtp_timeout_secs: u64,
    /// Where browsers reach this API (HAProxy's public URL): OIDC providers redirect to
    /// `{public_api_url}/v1/auth/oidc/{slug}/callback`.
    #[serde(default = "default_public_api_url")]
    pub public_api_url: String,
    /// Accept `http://` issuers and endpoints (local development and tests only; OIDC requires TLS).
    #[serde(default)]
    pub oidc_allow_insecure_http: bool,
    /// Timeout of each request to an OIDC provider (discovery, keys, token exchange).
    #[serde(default = "default_oidc_timeout")]
    pub oidc_http_timeout_secs: u64,
    /// Internal networks and host names that requests to tenant-supplied URLs (OIDC issuers,
    /// keys, token endpoints) may reach, comma-separated (`10.20.0.0/16,keycloak.internal`).
    /// Empty: only public addresses (see `kit::outbound`).
    #[serde(default)]
    pub outbound_allow: String,
    /// The first platform administrator, created at start-up while none exists (both or neither).
    pub bootstrap_admin_email: Option<String>,
    pub bootstrap_admin_password: Option<SecretString>,
    /// Outside dev mode `POST /v1/auth/setup` needs this one-time token (`setupToken`); without
    /// it setup is closed and the first administrator comes from `BOOTSTRAP_ADMIN_*`.
    pub setup_token: Option<SecretString>,
}

/// The platform administrator to create at start-up.
#[derive(Debug, Clone)]
pub struct BootstrapAdmin {
    pub email: String,
    pub password: SecretString,
}

fn yes() -> bool {
    true
}
/// Loopback and the private ranges, where HAProxy sits in compose and Kubernetes; narrow it to
/// HAProxy's own network in production.
const DEFAULT_PROXIES: &str =
    "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";
fn default_proxies() -> Vec<ipnet::IpNet> {
    parse_cidrs(DEFAULT_PROXIES).unwrap_or_default()
}
fn parse_cidrs(list: &str) -> Result<Vec<ipnet::IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<ipnet::IpNet>()
                .or_else(|_| c.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("not a CIDR or address: {c}"))
        })
        .collect()
}
fn cidrs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    let raw = String::deserialize(d)?;
    parse_cidrs(&raw).map_err(serde::de::Error::custom)
}
fn default_register_max() -> u64 {
    10
}
fn default_register_window() -> u64 {
    3600
}
fn default_login_max_ip() -> u64 {
    60
}
fn default_login_max_account() -> u64 {
    20
}
fn default_refresh_max_ip() -> u64 {
    120
}
fn default_throttle_window() -> u64 {
    60
}
fn default_refresh_ttl() -> u64 {
    7 * 24 * 3600
}
fn default_reuse_grace() -> u64 {
    10
}
fn default_family_max() -> u64 {
    30 * 24 * 3600
}
fn default_account_failures() -> u64 {
    5
}
fn default_ip_failures() -> u64 {
    50
}
fn default_failure_window() -> u64 {
    900
}
fn default_lockout_cap() -> u64 {
    900
}
fn default_status_sync() -> u64 {
    60
}
fn default_hash_queue() -> usize {
    32
}
fn default_signup_hash_queue() -> usize {
    8
}
fn default_totp_issuer() -> String {
    "DjinnBot".to_owned()
}
fn default_dashboard_url() -> String {
    "http://127.0.0.1:3000".to_owned()
}
fn default_join_limit() -> u64 {
    10
}
fn default_join_window() -> u64 {
    3600
}
fn default_invite_ttl() -> u64 {
    7 * 24 * 3600
}
fn default_smtp_timeout() -> u64 {
    15
}
fn default_public_api_url() -> String {
    "http://127.0.0.1:8000".to_owned()
}
fn default_oidc_timeout() -> u64 {
    10
}

impl AuthConfig {
    /// The argon2 pool: `PASSWORD_HASH_THREADS` workers (default: one per core) and at most
    /// `PASSWORD_HASH_QUEUE` hashes waiting or running (default 32; beyond it: 503 `busy`).
    pub fn hasher(&self) -> std::io::Result<crate::domain::password::Hasher> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        crate::domain::password::Hasher::new(
            self.password_hash_threads.unwrap_or(cores),
            self.password_hash_queue,
        )
    }

    /// The pool for new passwords: `PASSWORD_SIGNUP_HASH_THREADS` (default: half the cores, at
    /// least one) and `PASSWORD_SIGNUP_HASH_QUEUE` (default 8; beyond it: 503 `busy`).
    pub fn signup_hasher(&self) -> std::io::Result<crate::domain::password::Hasher> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        crate::domain::password::Hasher::new(
            self.password_signup_hash_threads
                .unwrap_or((cores / 2).max(1)),
            self.password_signup_hash_queue,
        )
    }

    pub fn load() -> Result<Self, kit::config::ConfigError> {
        kit::config::load()
    }

    /// The encryption key, or why the service cannot start without it.
    pub fn secret_box(&self) -> Result<SecretBox, kit::config::ConfigError> {
        SecretBox::from_config(self.secret_encryption_key.as_ref())
    }

    pub fn status_sync_every(&self) -> Duration {
        Duration::from_secs(self.tenant_status_sync_secs.max(1))
    }

    /// `BOOTSTRAP_ADMIN_EMAIL` / `_PASSWORD` checked like a registration, or why they are wrong.
    pub fn bootstrap_admin(&self) -> Result<Option<BootstrapAdmin>, kit::config::ConfigError> {
        let invalid = |reason: String| kit::config::ConfigError::Invalid {
            name: "BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD",
            reason,
        };
        let email = self.bootstrap_admin_email.as_deref().map(str::trim);
        let password = self.bootstrap_admin_password.as_ref();
        let (email, password) = match (email.filter(|e| !e.is_empty()), password) {
            (None, None) => return Ok(None),
            (Some(e), Some(p)) => (e, p),
            _ => return Err(invalid("set both or neither".to_owned())),
        };
        let mut errors = Vec::new();
        let email = validate::email("email", email, &mut errors);
        let (min, max) = PASSWORD_LIMITS;
        validate::password("password", password.expose_secret(), min, max, &mut errors);
        if let Some(e) = errors.first() {
            return Err(invalid(format!("{}: {}", e.path, e.message)));
        }
        Ok(Some(BootstrapAdmin {
            email,
            password: password.clone(),
        }))
    }

    pub fn refresh_ttl(&self) -> Duration {
        Duration::from_secs(self.auth_refresh_token_ttl)
    }

    /// Whether a connection from `peer` may name the client in `X-Forwarded-For`.
    pub fn trusts_proxy(&self, peer: std::net::IpAddr) -> bool {
        self.trust_forwarded_for && self.trusted_proxy_cidrs.iter().any(|n| n.contains(&peer))
    }

    pub fn register_limit(&self) -> Limit {
        Limit {
            max: self.register_max_per_ip,
            window_secs: self.register_window_secs,
        }
    }

    /// Attempts per address, per account and refreshes per address, in one window.
    pub fn login_limits(&self) -> (Limit, Limit, Limit) {
        let window_secs = self.auth_throttle_window_secs;
        let limit = |max| Limit { max, window_secs };
        (
            limit(self.login_max_per_ip),
            limit(self.login_max_per_account),
            limit(self.refresh_max_per_ip),
        )
    }

    /// The key recovery codes are HMAC'd with (derived from `SECRET_ENCRYPTION_KEY`).
    pub fn recovery_pepper(&self) -> Vec<u8> {
        let key = self
            .secret_encryption_key
            .as_ref()
            .map(|k| k.expose_secret().as_bytes().to_vec())
            .unwrap_or_default();
        let mut pepper = b"recovery-codes:".to_vec();
        pepper.extend(key);
        pepper
    }

    pub fn family_max(&self) -> Duration {
        Duration::from_secs(self.auth_refresh_family_max_secs)
    }
}
