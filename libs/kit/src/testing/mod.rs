//! Test harness: a fresh database per test cloned from a migrated template, a unique Redis key
//! prefix, the real router served on `127.0.0.1:0`, a client, and helpers for tenants and tokens.
//!
//! It talks to the real Postgres and Redis that `make test` starts: `DJB_TEST_PG_URL` (a
//! superuser, default `postgres://postgres@127.0.0.1:55432/postgres`) and `DJB_TEST_REDIS_URL`
//! (default `redis://127.0.0.1:56379/15`). Set `TEST_LOG=1` to see the services' logs.

mod client;
mod db;
pub mod matrix;
pub mod openapi;
pub mod walk;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use shared_schemas::ids::{TenantId, UserId};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use client::{Caller, TestClient, assert_error, id_of, json};
pub use db::TestDb;
pub use reqwest::{Method, StatusCode};

use crate::auth::{Claims, TokenKind};
use crate::clock::ManualClock;
use crate::config::{CommonConfig, ServiceInfo};
use crate::db::Db;
use crate::platform::{Platform, connect_redis_client};

pub const TEST_AUTH_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

pub fn redis_url() -> String {
    std::env::var("DJB_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:56379/15".to_owned())
}

/// Shows logs when `TEST_LOG` is set; otherwise tests stay quiet.
pub fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,sqlx=warn,hyper=info",
            ))
            .with_test_writer()
            .try_init();
    }
}

/// A config pointing at the test database (as the service's own role) and a unique Redis prefix.
pub fn test_config(service: &ServiceInfo, db: &TestDb) -> CommonConfig {
    config_from_toml(
        service,
        &format!(
            "database_url = \"{}\"\nredis_url = \"{}\"\n",
            db.url_as(service.db_role),
            redis_url()
        ),
    )
}

/// A dev-mode config with a unique Redis prefix and the test signing key, for tests that need
/// no database of their own.
pub fn dev_config(service: &ServiceInfo) -> CommonConfig {
    config_from_toml(service, &format!("redis_url = \"{}\"\n", redis_url()))
}

fn config_from_toml(service: &ServiceInfo, extra: &str) -> CommonConfig {
    // Tests build HTTP clients from these configs, and reqwest needs the provider first.
    crate::tls::install_provider();
    let text = format!(
        "djb_dev_mode = true\n\
         redis_prefix = \"test-{}\"\n\
         auth_secret_key = \"{TEST_AUTH_SECRET}\"\n{extra}",
        uuid::Uuid::new_v4().simple(),
    );
    let mut cfg: CommonConfig = config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .build()
        .and_then(|c| c.try_deserialize())
        .unwrap_or_else(|e| panic!("test config: {e}"));
    cfg.finish(service)
        .unwrap_or_else(|e| panic!("test config: {e}"));
    cfg
}

/// A tenant made by [`TestApp::tenant`].
#[derive(Debug, Clone)]
pub struct TestTenant {
    pub id: TenantId,
    pub user: UserId,
    /// The owner's user access token.
    pub token: String,
}

/// A service running on a real socket against real Postgres and Redis.
pub struct TestApp {
    pub addr: SocketAddr,
    pub platform: Platform,
    pub db: TestDb,
    pub client: TestClient,
    /// The service's clock (`platform.clock`): running with the system clock until the test
    /// moves it with `advance`, `set` or `freeze`.
    pub clock: ManualClock,
    shutdown: CancellationToken,
}

impl TestApp {
    pub async fn spawn(service: ServiceInfo, build: impl FnOnce(Platform) -> Router) -> Self {
        Self::spawn_with(service, |_| {}, build).await
    }

    /// Like `spawn`, with a chance to adjust the config first (limits, timeouts, …).
    pub async fn spawn_with(
        service: ServiceInfo,
        adjust: impl FnOnce(&mut CommonConfig),
        build: impl FnOnce(Platform) -> Router,
    ) -> Self {
        init_logs();
        let db = TestDb::create().await;
        let mut config = test_config(&service, &db);
        adjust(&mut config);
        let pool =
            Db::connect_lazy(config.database_url(), 5).unwrap_or_else(|e| panic!("test pool: {e}"));
        let client =
            crate::tls::redis_client(&config).unwrap_or_else(|e| panic!("test redis client: {e}"));
        let redis = connect_redis_client(client)
            .await
            .unwrap_or_else(|e| panic!("test redis at {}: {e}", redis_url()));
        let grace = config.shutdown_grace();
        let clock = ManualClock::new();
        let platform = Platform::from_parts(service, config, pool, redis)
            .unwrap_or_else(|e| panic!("platform: {e}"))
            .with_clock(std::sync::Arc::new(clock.clone()));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("local addr: {e}"));
        let shutdown = CancellationToken::new();
        let router = build(platform.clone());
        crate::outbox::Relay::for_platform(&platform).spawn(shutdown.clone());
        let stop = shutdown.clone();
        tokio::spawn(async move {
            if let Err(err) = crate::http::serve(router, listener, stop, grace).await {
                tracing::error!(error = %err, "test server stopped");
            }
        });
        Self {
            addr,
            client: TestClient::new(format!("http://{addr}")),
            clock,
            platform,
            db,
            shutdown,
        }
    }

    /// Inserts a tenant with an owner user (the two-phase insert of spec §2.2.1), as the
    /// database owner so the test does not depend on auth-svc.
    pub async fn create_tenant(&self, name: &str) -> (TenantId, UserId) {
        self.db.create_tenant(name).await
    }

    /// A tenant with its owner user and a user access token for the owner (plain claims: no
    /// `is_admin`; mint your own [`Claims`] for an administrator).
    pub async fn tenant(&self, name: &str) -> TestTenant {
        let (id, user) = self.create_tenant(name).await;
        let token = self.token(&id, user.as_str(), TokenKind::User);
        TestTenant { id, user, token }
    }

    /// A signed access token for `subject` in `tenant`.
    pub fn token(&self, tenant: &TenantId, subject: &str, kind: TokenKind) -> String {
        let claims = Claims::access(subject, tenant.clone(), kind, Duration::from_secs(900));
        self.mint(&claims)
    }

    pub fn mint(&self, claims: &Claims) -> String {
        self.platform
            .jwt
            .mint(claims)
            .unwrap_or_else(|e| panic!("mint: {e}"))
    }

    /// Stops accepting connections (in-flight requests drain).
    pub fn stop(&self) {
        self.shutdown.cancel();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
