//! auth-svc: identity and tenant provisioning — tenants, accounts, sessions and tokens.
//!
//! Passwords are argon2id; access tokens are kit's HS256 JWTs; refresh tokens are opaque,
//! stored hashed and rotated on every use with reuse detection. Row-level security holds even
//! before the tenant is known: login and refresh read rows through capability lookups
//! (`kit::db::LookupTx`), never through a role that bypasses RLS. See docs/auth.md.

pub mod api;
pub mod config;
pub mod domain;
pub mod flows;
pub mod routes;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use kit::{CommonConfig, Platform, ServiceInfo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::AuthConfig;
use crate::domain::crypto::SecretBox;
use crate::domain::password::Hasher;
use crate::flows::oidc::OidcHttp;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "auth-svc",
    default_port: 8010,
    db_role: "auth_svc",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
    pub config: Arc<AuthConfig>,
    pub secrets: Arc<SecretBox>,
    /// HTTP client for OIDC providers (one connection pool for all of them).
    pub oidc: OidcHttp,
    /// The bounded argon2 pool that checks passwords (login, re-prompts); see domain::password.
    pub hasher: Hasher,
    /// A separate, smaller pool for new passwords (registration, setup, new accounts), so a
    /// flood of anonymous sign-ups queues behind itself and never in front of a login.
    #[from_ref(skip)]
    pub signup_hasher: Hasher,
}

impl AppState {
    /// Fails when auth-svc's own settings are invalid (e.g. no `SECRET_ENCRYPTION_KEY`).
    pub fn new(platform: Platform, config: AuthConfig) -> anyhow::Result<Self> {
        let secrets = config.secret_box()?;
        let oidc = OidcHttp::new(
            &platform.config,
            Duration::from_secs(config.oidc_http_timeout_secs),
            &config.outbound_allow,
        )?;
        let (hasher, signup_hasher) = counted(&platform, config.hasher()?, config.signup_hasher()?);
        Ok(Self {
            signup_hasher,
            oidc,
            hasher,
            platform,
            config: Arc::new(config),
            secrets: Arc::new(secrets),
        })
    }
}

/// The two pools counting their runs in the service's `password_hashes_total{queue}`
/// (`login`, `signup`). A second state on the same platform (tests) finds the metric registered
/// and counts without exporting.
fn counted(platform: &Platform, login: Hasher, signup: Hasher) -> (Hasher, Hasher) {
    let opts = prometheus::Opts::new("password_hashes_total", "argon2 hashes and verifications");
    let Ok(all) = prometheus::IntCounterVec::new(opts, &["queue"]) else {
        return (login, signup);
    };
    if let Err(err) = platform.metrics.registry().register(Box::new(all.clone())) {
        tracing::debug!(error = %err, "password hash metric already registered");
    }
    (
        login.counted(all.with_label_values(&["login"])),
        signup.counted(all.with_label_values(&["signup"])),
    )
}

/// The service's OpenAPI document, from the routes' own declarations (`auth-svc openapi`
/// prints it; `openapi/auth-svc.json` is the committed copy).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = routes::routes().split_for_parts();
    kit::openapi::document(&SERVICE, doc)
}

pub fn router(mut state: AppState) -> Router {
    flows::introspect::resolve_keys_locally(&mut state.platform);
    let (routes, doc) = routes::routes().split_for_parts();
    let doc = kit::openapi::document(&SERVICE, doc);
    kit::http::service_router(state.platform.clone(), routes.with_state(state), doc)
}

/// Creates the configured platform administrator before the service answers, on a pool of its
/// own (kit connects the service's pool inside `run_service`).
async fn bootstrap_admin(
    config: &CommonConfig,
    hasher: &crate::domain::password::Hasher,
    admin: &crate::config::BootstrapAdmin,
) -> anyhow::Result<()> {
    let db = kit::db::Db::connect_lazy(config.database_url(), 1)?;
    let outcome = flows::first_run::bootstrap_admin(db.pool(), hasher, admin).await;
    db.pool().close().await;
    outcome.map_err(|e| anyhow::anyhow!("BOOTSTRAP_ADMIN_EMAIL {}: {e}", admin.email))?;
    Ok(())
}

pub async fn run(
    config: CommonConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    // Read before connecting anything, so a missing key fails start-up at once.
    let auth = AuthConfig::load()?;
    let secrets = Arc::new(auth.secret_box()?);
    let oidc = OidcHttp::new(
        &config,
        Duration::from_secs(auth.oidc_http_timeout_secs),
        &auth.outbound_allow,
    )?;
    let hasher = auth.hasher()?;
    let signup_hasher = auth.signup_hasher()?;
    if let Some(admin) = auth.bootstrap_admin()? {
        bootstrap_admin(&config, &signup_hasher, &admin).await?;
    }
    let auth = Arc::new(auth);
    let sync_stop = shutdown.clone();
    kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        let (hasher, signup_hasher) = counted(&platform, hasher, signup_hasher);
        let state = AppState {
            hasher,
            signup_hasher,
            platform,
            config: auth,
            secrets,
            oidc,
        };
        flows::status_sync::spawn(state.clone(), state.config.status_sync_every(), sync_stop);
        router(state)
    })
    .await
}
