//! project-svc: projects, their kanban boards, tasks, dependencies, workflows, templates and
//! onboarding sessions, per tenant. Runs are started in engine-svc through [`engine::EngineRuns`].
//! See docs/projects.md.

pub mod cleanup;
pub mod config;
pub mod domain;
pub mod engine;
pub mod events;
pub mod routes;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use kit::{CommonConfig, Platform, ServiceInfo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::ProjectConfig;
use crate::engine::{EngineRuns, HttpEngine};

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "project-svc",
    default_port: 8020,
    db_role: "project_svc",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
    pub config: Arc<ProjectConfig>,
    pub engine: Arc<dyn EngineRuns>,
}

impl AppState {
    /// The production wiring: engine-svc over HTTP at `ENGINE_SVC_URL`.
    pub fn new(platform: Platform, config: ProjectConfig) -> anyhow::Result<Self> {
        let engine = HttpEngine::new(
            &config.engine_svc_url,
            Duration::from_secs(config.engine_timeout_secs),
            platform.jwt.clone(),
        )?;
        Ok(Self {
            platform,
            config: Arc::new(config),
            engine: Arc::new(engine),
        })
    }
}

/// The service's OpenAPI document (kit's routes and ours), from the same declarations as the router.
pub fn openapi() -> utoipa::openapi::OpenApi {
    kit::openapi::document(&SERVICE, routes::routes().into_openapi())
}

pub fn router(state: AppState) -> Router {
    let (routes, api) = routes::routes().split_for_parts();
    let document = kit::openapi::document(&SERVICE, api);
    kit::http::service_router(state.platform.clone(), routes.with_state(state), document)
}

pub async fn run(
    config: CommonConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    // Everything that can fail on settings fails here, before anything is connected.
    let own = Arc::new(ProjectConfig::load()?);
    let keys = Arc::new(kit::auth::JwtKeys::from_config(&config)?);
    let engine: Arc<dyn EngineRuns> = Arc::new(HttpEngine::new(
        &own.engine_svc_url,
        Duration::from_secs(own.engine_timeout_secs),
        keys,
    )?);
    let cleanup_stop = shutdown.clone();
    kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        let cleaner = platform.clone();
        tokio::spawn(async move {
            if let Err(err) = cleanup::run(cleaner, cleanup_stop).await {
                tracing::error!(error = %err, "the deleted-agent clean-up stopped");
            }
        });
        // The built-in template catalog is rewritten from its files at every start; a failure
        // is logged and leaves the previous catalog in place.
        let (seed_platform, seed_config) = (platform.clone(), own.clone());
        tokio::spawn(async move {
            if let Err(err) = store::templates::seed(&seed_platform, &seed_config).await {
                tracing::error!(error = %err, "seeding the built-in project templates failed");
            }
        });
        router(AppState {
            platform,
            config: own,
            engine,
        })
    })
    .await
}
