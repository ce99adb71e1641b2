//! `Platform`: what kit gives every service — config, Postgres, Redis, key builder, JWT keys, the
//! API-key resolver, the tenant status cache, metrics and the clock — in one cheap-to-clone value. A service's `AppState` holds it as a field and derives
//! `FromRef`, so kit's extractors find it.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::auth::JwtKeys;
use crate::auth::api_key::ApiKeys;
use crate::auth::seal::Sealer;
use crate::auth::status::TenantStatusCache;
use crate::client::ServiceClient;
use crate::clock::{Clock, SystemClock};
use crate::config::{CommonConfig, ServiceInfo};
use crate::db::Db;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct Platform {
    pub service: ServiceInfo,
    pub config: Arc<CommonConfig>,
    pub db: Db,
    pub redis: ConnectionManager,
    pub keys: bus::Keys,
    pub jwt: Arc<JwtKeys>,
    /// Calls other services (service tokens, retries, breakers, trace propagation).
    pub client: ServiceClient,
    /// Resolves `djb_…` bearer keys (through auth-svc, cached in Redis).
    pub api_keys: ApiKeys,
    /// This instance's short-lived copy of tenant statuses.
    pub tenant_status: TenantStatusCache,
    /// Seals what kit caches in Redis about callers and tenants (key from `AUTH_SECRET_KEY`).
    pub seal: Sealer,
    pub metrics: Arc<Metrics>,
    /// Wall-clock time for flows and kit alike (see [`crate::clock`]); tests move it.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("service", &self.service.name)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// How long start-up waits for Redis before giving up.
const REDIS_CONNECT_ATTEMPTS: u32 = 30;

impl Platform {
    /// Connects to Postgres (lazily) and Redis (retrying for about 30 s).
    pub async fn connect(service: ServiceInfo, config: CommonConfig) -> anyhow::Result<Self> {
        let db = Db::connect_lazy(config.database_url(), config.db_max_connections)?;
        let redis = connect_redis_client(crate::tls::redis_client(&config)?).await?;
        Self::from_parts(service, config, db, redis)
    }

    pub fn from_parts(
        service: ServiceInfo,
        config: CommonConfig,
        db: Db,
        redis: ConnectionManager,
    ) -> anyhow::Result<Self> {
        crate::tls::install_provider();
        let jwt = Arc::new(JwtKeys::from_config(&config)?);
        let client = ServiceClient::new(service.name, jwt.clone(), &config.service_client)?;
        Ok(Self {
            service,
            keys: bus::Keys::new(config.redis_prefix.clone()),
            api_keys: ApiKeys::over_http(&config, client.clone()),
            client,
            tenant_status: TenantStatusCache::new(config.tenant_status_cache()),
            seal: Sealer::new(config.auth_secret().as_bytes()),
            config: Arc::new(config),
            db,
            redis,
            jwt,
            metrics: Arc::new(Metrics::new(service.name)?),
            clock: Arc::new(SystemClock),
        })
    }

    /// A new Redis client (TLS and CA as configured), for workers that need connections of
    /// their own: blocking stream reads, pub/sub.
    pub fn redis_client(&self) -> Result<redis::Client, crate::tls::TlsError> {
        crate::tls::redis_client(&self.config)
    }

    /// The same platform reading time from `clock` (the test harness passes its `ManualClock`).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// A publisher for events of this service, trimmed to the configured stream length.
    pub fn publisher(&self) -> bus::publish::Publisher {
        bus::publish::Publisher::new(
            self.redis.clone(),
            self.keys.clone(),
            self.config.event_stream_maxlen,
        )
    }
}

/// Connects to `url`, retrying for about 30 s: plain for `redis://`, TLS for `rediss://`
/// trusting the system store. A service connects with `connect_redis_client(tls::redis_client(&config)?)`,
/// which also honours `REDIS_CA_CERT`.
pub async fn connect_redis(url: &str) -> anyhow::Result<ConnectionManager> {
    connect_redis_client(crate::tls::redis_client_trusting(url, None)?).await
}

/// Connects with `client`, retrying for about 30 s.
pub async fn connect_redis_client(client: redis::Client) -> anyhow::Result<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(5)));
    let mut attempt = 0;
    loop {
        match ConnectionManager::new_with_config(client.clone(), config.clone()).await {
            Ok(conn) => return Ok(conn),
            Err(err) if attempt + 1 < REDIS_CONNECT_ATTEMPTS => {
                attempt += 1;
                tracing::warn!(error = %err, attempt, "redis not reachable yet");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(err) => return Err(err.into()),
        }
    }
}
