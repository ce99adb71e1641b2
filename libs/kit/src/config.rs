//! Layered configuration: defaults in code, then an optional TOML file, then the environment.
//!
//! Environment variables use the names operators already know (`DATABASE_URL`, `REDIS_URL`,
//! `AUTH_SECRET_KEY`, …); a file given by `DJB_CONFIG_FILE` uses the same names in lower case.
//! Loading has no side effects. Secrets are `SecretString`, so `Debug` and logs never show them.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// What a service is, fixed in its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceInfo {
    /// `auth-svc`, `agent-svc`, …
    pub name: &'static str,
    pub default_port: u16,
    /// The Postgres role the service connects as (granted only its own schema).
    pub db_role: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration could not be read: {0}")]
    Source(#[from] config::ConfigError),
    #[error("{0} is required outside dev mode (set DJB_DEV_MODE=true for local development)")]
    MissingSecret(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Settings every service shares.
#[derive(Debug, Clone, Deserialize)]
pub struct CommonConfig {
    /// Dev mode allows insecure defaults for secrets; never set it in production.
    #[serde(default)]
    pub djb_dev_mode: bool,
    #[serde(default = "default_host")]
    pub host: IpAddr,
    /// Set from the service's own default port unless `PORT` is given.
    pub port: Option<u16>,
    pub database_url: Option<SecretString>,
    pub redis_url: Option<SecretString>,
    /// PEM file of the CA that signs the Redis server's certificate, for a `rediss://` URL to a
    /// managed Redis with a private CA; when set it is the only CA Redis connections trust.
    /// Postgres takes its CA in the URL instead (`sslmode=verify-full&sslrootcert=…`).
    pub redis_ca_cert: Option<PathBuf>,
    /// PEM file of an extra CA that outbound HTTPS trusts besides the system store.
    pub https_ca_cert: Option<PathBuf>,
    /// Prefix of every Redis key (`bus::keys`); tests use a unique one.
    #[serde(default = "default_redis_prefix")]
    pub redis_prefix: String,
    pub auth_secret_key: Option<SecretString>,
    /// `kid` of `AUTH_SECRET_KEY`; tokens are signed with it.
    #[serde(default = "default_key_id")]
    pub auth_key_id: String,
    /// Older keys still accepted for verification during a rotation: `kid1=secret1,kid2=secret2`.
    pub auth_previous_keys: Option<SecretString>,
    #[serde(default = "default_access_ttl")]
    pub auth_access_token_ttl: u64,
    /// Where services resolve API keys (`POST /internal/auth/introspect`); in-cluster HTTP.
    #[serde(default = "default_auth_svc_url")]
    pub auth_svc_url: String,
    /// How long a resolved API key is cached in Redis; also the longest a revoked key's user
    /// deactivation takes to be seen (revoking the key itself is immediate).
    #[serde(default = "default_api_key_cache_ttl")]
    pub api_key_cache_ttl_secs: u64,
    /// How long each service instance trusts its in-process copy of a tenant's status (at most
    /// 2000 ms, so a suspension reaches every service within about two seconds).
    #[serde(default = "default_tenant_status_cache_ms")]
    pub tenant_status_cache_ms: u64,
    #[serde(default = "default_request_timeout")]
    pub request_timeout_secs: u64,
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// Requests per tenant per window, counted in Redis by every service.
    #[serde(default = "default_tenant_rate_limit")]
    pub tenant_rate_limit: u64,
    #[serde(default = "default_rate_window")]
    pub tenant_rate_window_secs: u64,
    #[serde(default = "default_shutdown_grace")]
    pub shutdown_grace_secs: u64,
    #[serde(default = "default_db_max_connections")]
    pub db_max_connections: u32,
    /// Stream length kept by `MAXLEN ~` on every event stream.
    #[serde(default = "default_stream_maxlen")]
    pub event_stream_maxlen: usize,
    /// How often the outbox relay looks for unsent rows when no notification woke it.
    #[serde(default = "default_outbox_poll_ms")]
    pub outbox_poll_ms: u64,
    /// How long sent outbox rows are kept before they are deleted.
    #[serde(default = "default_outbox_retention")]
    pub outbox_retention_secs: u64,
    /// How long consumers remember the event ids they applied (redeliveries come within hours).
    #[serde(default = "default_applied_events_retention")]
    pub applied_events_retention_secs: u64,
    pub otel_exporter_otlp_endpoint: Option<String>,
    /// Unique per process; defaults to `{hostname}-{pid}`.
    pub instance_id: Option<String>,
    /// Overrides the log filter (`info` by default), e.g. `debug,sqlx=warn`.
    pub rust_log: Option<String>,
    /// `SERVICE_CLIENT_*`: timeouts, retries and breaker of calls to other services.
    #[serde(flatten)]
    pub service_client: crate::client::ClientSettings,
}

const DEV_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:55432/djinnbot";
const DEV_REDIS_URL: &str = "redis://127.0.0.1:56379";
const DEV_AUTH_SECRET: &str = "dev-only-insecure-auth-secret-change-me-0123456789";
const MIN_SECRET_LEN: usize = 32;
/// Suspensions must reach every service within seconds.
const MAX_TENANT_STATUS_CACHE_MS: u64 = 2000;

fn default_host() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}
fn default_redis_prefix() -> String {
    bus::keys::DEFAULT_PREFIX.to_owned()
}
fn default_key_id() -> String {
    "k1".to_owned()
}
fn default_access_ttl() -> u64 {
    900
}
fn default_auth_svc_url() -> String {
    "http://127.0.0.1:8010".to_owned()
}
fn default_api_key_cache_ttl() -> u64 {
    30
}
fn default_tenant_status_cache_ms() -> u64 {
    1000
}
fn default_request_timeout() -> u64 {
    30
}
fn default_body_limit() -> usize {
    2 * 1024 * 1024
}
fn default_tenant_rate_limit() -> u64 {
    1200
}
fn default_rate_window() -> u64 {
    10
}
fn default_shutdown_grace() -> u64 {
    30
}
fn default_db_max_connections() -> u32 {
    10
}
fn default_stream_maxlen() -> usize {
    10_000
}
fn default_outbox_poll_ms() -> u64 {
    1000
}
fn default_outbox_retention() -> u64 {
    3600
}
fn default_applied_events_retention() -> u64 {
    7 * 24 * 3600
}

/// Reads `T` from the layered sources. Services use it for their own settings struct too.
pub fn load<T: DeserializeOwned>() -> Result<T, ConfigError> {
    let mut builder = config::Config::builder();
    if let Ok(path) = std::env::var("DJB_CONFIG_FILE") {
        builder = builder.add_source(config::File::new(&path, config::FileFormat::Toml));
    }
    let cfg = builder
        .add_source(config::Environment::default().try_parsing(true))
        .build()?;
    Ok(cfg.try_deserialize()?)
}

impl CommonConfig {
    /// Loads and validates the common settings; fails fast on a missing secret outside dev mode.
    pub fn load(service: &ServiceInfo) -> Result<Self, ConfigError> {
        let mut cfg: Self = load()?;
        cfg.finish(service)?;
        Ok(cfg)
    }

    /// Fills dev defaults and checks the secrets. Public so tests can build a config by hand.
    pub fn finish(&mut self, service: &ServiceInfo) -> Result<(), ConfigError> {
        self.port.get_or_insert(service.default_port);
        if self.instance_id.is_none() {
            self.instance_id = Some(default_instance_id(service.name));
        }
        let dev = self.djb_dev_mode;
        fill(
            &mut self.database_url,
            dev,
            "DATABASE_URL",
            DEV_DATABASE_URL,
        )?;
        fill(&mut self.redis_url, dev, "REDIS_URL", DEV_REDIS_URL)?;
        fill(
            &mut self.auth_secret_key,
            dev,
            "AUTH_SECRET_KEY",
            DEV_AUTH_SECRET,
        )?;
        if !dev && self.auth_secret().len() < MIN_SECRET_LEN {
            return Err(ConfigError::Invalid {
                name: "AUTH_SECRET_KEY",
                reason: format!("must be at least {MIN_SECRET_LEN} bytes"),
            });
        }
        self.previous_keys()?;
        if self.request_timeout_secs == 0 || self.tenant_rate_window_secs == 0 {
            return Err(ConfigError::Invalid {
                name: "REQUEST_TIMEOUT_SECS / TENANT_RATE_WINDOW_SECS",
                reason: "must be greater than zero".to_owned(),
            });
        }
        if self.api_key_cache_ttl_secs == 0 {
            return Err(ConfigError::Invalid {
                name: "API_KEY_CACHE_TTL_SECS",
                reason: "must be greater than zero".to_owned(),
            });
        }
        if self.tenant_status_cache_ms > MAX_TENANT_STATUS_CACHE_MS {
            return Err(ConfigError::Invalid {
                name: "TENANT_STATUS_CACHE_MS",
                reason: format!("must be at most {MAX_TENANT_STATUS_CACHE_MS}"),
            });
        }
        self.check_tls()?;
        self.service_client.validate()?;
        // API-key introspection stays in-cluster (Kubernetes DNS, spec §3.8.1).
        if !self.auth_svc_url.starts_with("http://") {
            return Err(ConfigError::Invalid {
                name: "AUTH_SVC_URL",
                reason: "must be an in-cluster http:// URL".to_owned(),
            });
        }
        Ok(())
    }

    /// An empty CA path means none; a Redis CA only makes sense for a `rediss://` URL, and
    /// without this check it would be silently ignored on a plain connection.
    fn check_tls(&mut self) -> Result<(), ConfigError> {
        for slot in [&mut self.redis_ca_cert, &mut self.https_ca_cert] {
            if slot.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                *slot = None;
            }
        }
        if self.redis_ca_cert.is_some() && !self.redis_url().starts_with("rediss://") {
            return Err(ConfigError::Invalid {
                name: "REDIS_CA_CERT",
                reason: "is set but REDIS_URL is not a rediss:// URL".to_owned(),
            });
        }
        Ok(())
    }

    pub fn port(&self) -> u16 {
        self.port.unwrap_or_default()
    }

    pub fn instance_id(&self) -> &str {
        self.instance_id.as_deref().unwrap_or("unknown")
    }

    pub fn database_url(&self) -> &str {
        self.database_url
            .as_ref()
            .map(|s| s.expose_secret())
            .unwrap_or_default()
    }

    pub fn redis_url(&self) -> &str {
        self.redis_url
            .as_ref()
            .map(|s| s.expose_secret())
            .unwrap_or_default()
    }

    /// `AUTH_PREVIOUS_KEYS` as `(kid, secret)` pairs. A kid may appear once, and never as the
    /// current `AUTH_KEY_ID`: a previous key with the current kid would silently replace the
    /// current verification key, and every new token would fail (security review L9).
    pub fn previous_keys(&self) -> Result<Vec<(&str, &str)>, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            name: "AUTH_PREVIOUS_KEYS",
            reason,
        };
        let Some(previous) = &self.auth_previous_keys else {
            return Ok(Vec::new());
        };
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for pair in previous
            .expose_secret()
            .split(',')
            .filter(|p| !p.is_empty())
        {
            let (kid, secret) = pair.split_once('=').ok_or_else(|| {
                invalid("expected kid=secret pairs separated by commas".to_owned())
            })?;
            let (kid, secret) = (kid.trim(), secret.trim());
            if kid == self.auth_key_id {
                return Err(invalid(format!(
                    "kid `{kid}` is the current AUTH_KEY_ID; give the previous key its own kid"
                )));
            }
            if pairs.iter().any(|(k, _)| *k == kid) {
                return Err(invalid(format!("kid `{kid}` appears twice")));
            }
            pairs.push((kid, secret));
        }
        Ok(pairs)
    }

    pub fn auth_secret(&self) -> &str {
        self.auth_secret_key
            .as_ref()
            .map(|s| s.expose_secret())
            .unwrap_or_default()
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    pub fn api_key_cache_ttl(&self) -> Duration {
        Duration::from_secs(self.api_key_cache_ttl_secs)
    }

    pub fn tenant_status_cache(&self) -> Duration {
        Duration::from_millis(self.tenant_status_cache_ms)
    }
}

fn fill(
    slot: &mut Option<SecretString>,
    dev: bool,
    name: &'static str,
    dev_default: &str,
) -> Result<(), ConfigError> {
    let missing = slot.as_ref().is_none_or(|s| s.expose_secret().is_empty());
    match (missing, dev) {
        (false, _) => Ok(()),
        (true, true) => {
            *slot = Some(SecretString::from(dev_default.to_owned()));
            Ok(())
        }
        (true, false) => Err(ConfigError::MissingSecret(name)),
    }
}

fn default_instance_id(service: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| service.to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests;
