//! What the engine hands a runtime through its environment.

use anyhow::Context;
use bus::Keys;
use shared_schemas::ids::{RunId, TenantId};

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub tenant: TenantId,
    pub run: RunId,
    pub redis_url: String,
    pub keys: Keys,
}

impl RuntimeConfig {
    /// Reads `TENANT_ID`, `RUN_ID`, `REDIS_URL` and optional `REDIS_PREFIX`.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).with_context(|| format!("{name} is required"));
        Ok(Self {
            tenant: TenantId::parse(var("TENANT_ID")?).context("TENANT_ID")?,
            run: RunId::parse(var("RUN_ID")?).context("RUN_ID")?,
            redis_url: var("REDIS_URL")?,
            keys: Keys::new(
                std::env::var("REDIS_PREFIX").unwrap_or_else(|_| bus::keys::DEFAULT_PREFIX.into()),
            ),
        })
    }

    /// A configuration for tests: the given ids, Redis and key prefix, nothing else.
    pub fn for_test(tenant: TenantId, run: RunId, redis_url: String, keys: Keys) -> Self {
        Self {
            tenant,
            run,
            redis_url,
            keys,
        }
    }
}
