//! The service client's knobs, part of every service's common configuration
//! (`SERVICE_CLIENT_*` variables; see docs/platform.md).

use std::time::Duration;

use serde::Deserialize;

use crate::config::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClientSettings {
    /// Time to open a TCP connection to another service.
    #[serde(default = "default_connect_timeout_ms")]
    pub service_client_connect_timeout_ms: u64,
    /// Time for one attempt: connecting, sending, and reading the whole answer.
    #[serde(default = "default_timeout_ms")]
    pub service_client_timeout_ms: u64,
    /// Extra attempts after the first, for idempotent requests only.
    #[serde(default = "default_retries")]
    pub service_client_retries: u32,
    /// First backoff; it doubles per retry (with jitter) up to `SERVICE_CLIENT_BACKOFF_MAX_MS`.
    #[serde(default = "default_backoff_ms")]
    pub service_client_backoff_ms: u64,
    #[serde(default = "default_backoff_max_ms")]
    pub service_client_backoff_max_ms: u64,
    /// Consecutive failures (connection errors, timeouts, 5xx) that open a target's breaker.
    #[serde(default = "default_breaker_failures")]
    pub service_client_breaker_failures: u32,
    /// How long an open breaker fails fast before it lets one probe through.
    #[serde(default = "default_breaker_cooldown_ms")]
    pub service_client_breaker_cooldown_ms: u64,
    /// Lifetime of the service tokens the client mints for each call.
    #[serde(default = "default_token_ttl_secs")]
    pub service_client_token_ttl_secs: u64,
}

fn default_connect_timeout_ms() -> u64 {
    1_000
}
fn default_timeout_ms() -> u64 {
    5_000
}
fn default_retries() -> u32 {
    2
}
fn default_backoff_ms() -> u64 {
    100
}
fn default_backoff_max_ms() -> u64 {
    2_000
}
fn default_breaker_failures() -> u32 {
    5
}
fn default_breaker_cooldown_ms() -> u64 {
    5_000
}
fn default_token_ttl_secs() -> u64 {
    60
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            service_client_connect_timeout_ms: default_connect_timeout_ms(),
            service_client_timeout_ms: default_timeout_ms(),
            service_client_retries: default_retries(),
            service_client_backoff_ms: default_backoff_ms(),
            service_client_backoff_max_ms: default_backoff_max_ms(),
            service_client_breaker_failures: default_breaker_failures(),
            service_client_breaker_cooldown_ms: default_breaker_cooldown_ms(),
            service_client_token_ttl_secs: default_token_ttl_secs(),
        }
    }
}

/// More attempts than this only piles load onto a service that is already struggling.
const MAX_RETRIES: u32 = 10;

impl ClientSettings {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            (
                "SERVICE_CLIENT_CONNECT_TIMEOUT_MS",
                self.service_client_connect_timeout_ms,
            ),
            ("SERVICE_CLIENT_TIMEOUT_MS", self.service_client_timeout_ms),
            (
                "SERVICE_CLIENT_BREAKER_FAILURES",
                u64::from(self.service_client_breaker_failures),
            ),
            (
                "SERVICE_CLIENT_TOKEN_TTL_SECS",
                self.service_client_token_ttl_secs,
            ),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(ConfigError::Invalid {
                name,
                reason: "must be greater than zero".to_owned(),
            });
        }
        if self.service_client_retries > MAX_RETRIES {
            return Err(ConfigError::Invalid {
                name: "SERVICE_CLIENT_RETRIES",
                reason: format!("must be at most {MAX_RETRIES}"),
            });
        }
        if self.service_client_backoff_max_ms < self.service_client_backoff_ms {
            return Err(ConfigError::Invalid {
                name: "SERVICE_CLIENT_BACKOFF_MAX_MS",
                reason: "must be at least SERVICE_CLIENT_BACKOFF_MS".to_owned(),
            });
        }
        Ok(())
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.service_client_connect_timeout_ms)
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.service_client_timeout_ms)
    }

    pub fn breaker_cooldown(&self) -> Duration {
        Duration::from_millis(self.service_client_breaker_cooldown_ms)
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.service_client_token_ttl_secs)
    }

    /// The pause before retry number `retry` (1-based): the doubled backoff, capped, of which
    /// a random half is kept ("equal jitter"), so callers that failed together spread out.
    pub fn backoff(&self, retry: u32) -> Duration {
        use rand::Rng as _;
        let doubled = self
            .service_client_backoff_ms
            .saturating_mul(1u64 << retry.saturating_sub(1).min(20));
        let capped = doubled.min(self.service_client_backoff_max_ms);
        let half = capped / 2;
        Duration::from_millis(half + rand::rng().random_range(0..=capped - half))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let s = ClientSettings {
            service_client_backoff_ms: 100,
            service_client_backoff_max_ms: 1_000,
            ..ClientSettings::default()
        };
        for _ in 0..50 {
            let first = s.backoff(1).as_millis();
            assert!((50..=100).contains(&first), "{first}");
            let third = s.backoff(3).as_millis();
            assert!((200..=400).contains(&third), "{third}");
            let late = s.backoff(30).as_millis();
            assert!((500..=1_000).contains(&late), "{late}");
        }
    }

    /// Through `CommonConfig` and environment variables, the way services load it.
    fn from_env(vars: &[(&str, &str)]) -> crate::CommonConfig {
        let map = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain([("DJB_DEV_MODE".to_owned(), "true".to_owned())])
            .collect();
        config::Config::builder()
            .add_source(
                config::Environment::default()
                    .try_parsing(true)
                    .source(Some(map)),
            )
            .build()
            .and_then(|c| c.try_deserialize())
            .expect("config parses")
    }

    #[test]
    fn knobs_come_from_the_environment_with_defaults() {
        let svc = crate::ServiceInfo {
            name: "t",
            default_port: 1,
            db_role: "t",
        };
        let mut cfg = from_env(&[
            ("SERVICE_CLIENT_RETRIES", "4"),
            ("SERVICE_CLIENT_BREAKER_COOLDOWN_MS", "250"),
        ]);
        cfg.finish(&svc).expect("valid");
        assert_eq!(cfg.service_client.service_client_retries, 4);
        assert_eq!(
            cfg.service_client.breaker_cooldown(),
            Duration::from_millis(250)
        );
        assert_eq!(
            cfg.service_client.timeout(),
            ClientSettings::default().timeout()
        );
        let mut bad = from_env(&[("SERVICE_CLIENT_TIMEOUT_MS", "0")]);
        assert!(bad.finish(&svc).is_err());
    }

    #[test]
    fn nonsense_is_refused() {
        let zero = ClientSettings {
            service_client_timeout_ms: 0,
            ..ClientSettings::default()
        };
        assert!(zero.validate().is_err());
        let many = ClientSettings {
            service_client_retries: 50,
            ..ClientSettings::default()
        };
        assert!(many.validate().is_err());
        assert!(ClientSettings::default().validate().is_ok());
    }
}
