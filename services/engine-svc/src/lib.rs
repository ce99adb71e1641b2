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

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "engine-svc",
    default_port: 8060,
    db_role: "engine_svc",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
    pub config: Arc<EngineConfig>,
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
    kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        workers::pipeline_seed::spawn(platform.clone(), own.clone());
        router(AppState {
            platform,
            config: own,
        })
    })
    .await
}
