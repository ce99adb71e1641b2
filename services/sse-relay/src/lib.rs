//! sse-relay: every server-sent-event stream of the platform, read from the tenant's own Redis
//! streams (docs/sse.md).
//!
//! The rooms are those of every service (ARCHITECTURE §3): `api/` (query types), `routes/` (one
//! file per group of streams), `flows/` (access, caps, opening and relaying a stream),
//! `store/` (stream reads), `domain/` (ids, cursors, frames, what each endpoint shows) and
//! `workers/` (the hub of shared live readers).

pub mod api;
pub mod config;
pub mod domain;
pub mod flows;
pub mod routes;
pub mod store;
pub mod workers;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use kit::{CommonConfig, Platform, ServiceInfo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::RelayConfig;
use crate::flows::access::AgentSvc;
use crate::flows::caps::Caps;
use crate::workers::hub::Hub;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "sse-relay",
    default_port: 8040,
    db_role: "sse_relay",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
    pub config: Arc<RelayConfig>,
    pub hub: Hub,
    pub caps: Arc<Caps>,
    pub agents: AgentSvc,
    /// Cancelled on SIGTERM: every open stream ends at once, so clients move to another
    /// replica and the HTTP drain is not held by streams that never finish.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// Starts the hub's readers (on connections of their own from `redis`).
    pub fn new(
        platform: Platform,
        config: Arc<RelayConfig>,
        redis: redis::Client,
        shutdown: CancellationToken,
    ) -> Self {
        let readers = gauge(
            &platform,
            "sse_live_readers",
            "Redis streams read live by this replica's hub (one reader each)",
        );
        let open = gauge(
            &platform,
            "sse_streams_open",
            "SSE streams open on this replica",
        );
        let hub = Hub::start(
            redis,
            platform.redis.clone(),
            config.hub(),
            readers,
            shutdown.clone(),
        );
        let caps = Caps::new(
            config.sse_max_streams_per_user,
            config.sse_max_streams_per_tenant,
            open,
        );
        let agents = AgentSvc::new(platform.client.clone(), &config.agent_svc_url);
        Self {
            platform,
            config,
            hub,
            caps,
            agents,
            shutdown,
        }
    }
}

/// A gauge on the service's `/metrics`.
fn gauge(platform: &Platform, name: &str, help: &str) -> prometheus::IntGauge {
    // Only an invalid metric name fails, and these names are constants.
    let gauge = prometheus::IntGauge::new(name, help).expect("a valid metric name");
    if let Err(err) = platform
        .metrics
        .registry()
        .register(Box::new(gauge.clone()))
    {
        tracing::warn!(error = %err, name, "metric not registered");
    }
    gauge
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = routes::routes().split_for_parts();
    kit::openapi::document(&SERVICE, doc)
}

pub fn router(state: AppState) -> Router {
    let (routes, doc) = routes::routes().split_for_parts();
    let routes = routes.with_state(state.clone());
    kit::http::service_router(
        state.platform,
        routes,
        kit::openapi::document(&SERVICE, doc),
    )
}

pub async fn run(
    config: CommonConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    // Settings fail here, before anything is connected.
    let own = Arc::new(RelayConfig::load()?);
    let redis = kit::tls::redis_client(&config)?;
    let streams = shutdown.clone();
    kit::run_service(SERVICE, config, listener, shutdown, move |platform| {
        let (age, every) = (own.retention(), own.trim_interval());
        workers::retention::spawn(platform.clone(), age, every, streams.clone());
        router(AppState::new(platform, own, redis, streams))
    })
    .await
}
