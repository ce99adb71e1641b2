//! The runtime every DjinnBot service is built on.
//!
//! A service is a library exposing `router(state)` and `run(config, listener, shutdown)`, with a
//! thin `main.rs` calling [`cli::main`]. Kit gives it: layered [`config`], JSON [`telemetry`],
//! the HTTP stack ([`http`]: request ids, tracing, metrics, timeout, body limit, graceful drain),
//! the error body ([`error`]), JWT and API-key auth with tenant status checks and the
//! [`auth::TenantContext`] extractor, Postgres with tenant-scoped transactions
//! ([`db::TenantTx`]), Redis, health checks, a per-tenant rate limit, `Idempotency-Key`
//! support, the [`client`] for calls between services, the transactional [`outbox`] with its
//! relay, the [`clock::Clock`] flows read time from, and TLS to Postgres, Redis and HTTPS
//! ([`tls`]). Feature `test-utils` adds the test harness ([`testing`]).

pub mod auth;
pub mod beneath;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod extract;
pub mod health;
pub mod http;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod outbound;
pub mod outbox;
pub mod page;
pub mod paths;
pub mod platform;
pub mod ratelimit;
pub mod telemetry;
#[cfg(feature = "test-utils")]
pub mod testing;
pub mod tls;
pub mod validate;

pub use auth::{Claims, TenantContext, TokenKind};
pub use clock::Clock;
pub use config::{CommonConfig, ServiceInfo};
pub use error::ApiError;
pub use platform::Platform;

/// Connects the platform, builds the service's router and serves it until `shutdown`.
pub async fn run_service(
    service: ServiceInfo,
    config: CommonConfig,
    listener: tokio::net::TcpListener,
    shutdown: tokio_util::sync::CancellationToken,
    build: impl FnOnce(Platform) -> axum::Router,
) -> anyhow::Result<()> {
    let grace = config.shutdown_grace();
    let platform = Platform::connect(service, config).await?;
    // The relay outlives the HTTP drain, so what the last requests commit still goes out.
    let relay_stop = tokio_util::sync::CancellationToken::new();
    let relay = outbox::Relay::for_platform(&platform).spawn(relay_stop.clone());
    let served = http::serve(build(platform), listener, shutdown, grace).await;
    relay_stop.cancel();
    if let Err(err) = relay.await {
        tracing::error!(error = %err, "outbox relay task failed");
    }
    served?;
    Ok(())
}
