//! engine-svc: pipelines, runs and their steps, and the agent runtimes that execute them.
//!
//! The rooms are those of every service (ARCHITECTURE §3): `api/`, `routes/`, `flows/`,
//! `store/`, `domain/`, `workers/`. Today it serves what kit gives every service (health,
//! metrics, OpenAPI, the outbox relay); its own routes arrive with the issue that owns them.

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

use crate::config::EngineConfig;
use crate::flows::runs::agents::AgentSvc;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "engine-svc",
    default_port: 8060,
    db_role: "engine_svc",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
    pub config: Arc<EngineConfig>,
    /// agent-svc: agent slugs and the tenant's run limit.
    pub agents: AgentSvc,
}

impl AppState {
    pub fn new(platform: Platform, config: Arc<EngineConfig>) -> Self {
        let agents = AgentSvc::new(platform.client.clone(), &config.agent_svc_url);
        Self {
            platform,
            config,
            agents,
        }
    }
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
    let own = Arc::new(EngineConfig::load()?);
    let worker_stop = shutdown.clone();
    kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        let state = AppState::new(platform, own);
        workers::spawn(state.clone(), worker_stop);
        router(state)
    })
    .await
}
