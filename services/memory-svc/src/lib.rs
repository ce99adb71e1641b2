//! memory-svc: agents' memory vaults: files, search, link graph, scores and ingest.
//!
//! The files under `DATA_PATH/tenants/{t}/vaults/{agent|shared}` are the source of truth
//! (runtimes read and write them); Postgres holds a tenant-scoped index of them for ranked
//! search and the link graph. See docs/memory.md.

pub mod agents;
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
use kit::paths::DataPaths;
use kit::{CommonConfig, Platform, ServiceInfo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::agents::AgentDirectory;
use crate::config::MemoryConfig;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "memory-svc",
    default_port: 8050,
    db_role: "memory_svc",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
    pub config: Arc<MemoryConfig>,
    pub paths: DataPaths,
    /// Which agents exist (agent-svc).
    pub agents: AgentDirectory,
}

impl AppState {
    pub fn new(platform: Platform, config: MemoryConfig) -> Self {
        let agents = AgentDirectory::new(platform.client.clone(), &config.agent_svc_url);
        Self {
            paths: config.data_paths(),
            platform,
            config: Arc::new(config),
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
    let own = MemoryConfig::load()?;
    let (scan_stop, cleanup_stop) = (shutdown.clone(), shutdown.clone());
    kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        let state = AppState::new(platform, own);
        tokio::spawn(workers::scan::run(state.clone(), scan_stop));
        let cleaner = state.clone();
        tokio::spawn(async move {
            if let Err(err) = workers::cleanup::run(cleaner, cleanup_stop).await {
                tracing::error!(error = %err, "the vault clean-up stopped");
            }
        });
        router(state)
    })
    .await
}
