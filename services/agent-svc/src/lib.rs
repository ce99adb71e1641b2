//! agent-svc: agents as tenant-owned data and everything configured around them — persona and
//! config, templates, activity, sandboxes, queue, inbox, channels, tools, pulses, skills,
//! secrets, provider settings and the LLM call log. See docs/agents.md.

pub mod api;
pub mod config;
pub mod domain;
pub mod extract;
pub mod flows;
pub mod routes;
pub mod store;
pub mod workers;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use kit::crypto::SecretBox;
use kit::paths::DataPaths;
use kit::{CommonConfig, Platform, ServiceInfo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::AgentConfig;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "agent-svc",
    default_port: 8030,
    db_role: "agent_svc",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
    pub config: Arc<AgentConfig>,
    pub secrets: Arc<SecretBox>,
    pub paths: DataPaths,
}

impl AppState {
    /// Fails when agent-svc's own settings are invalid (e.g. no `SECRET_ENCRYPTION_KEY`).
    pub fn new(platform: Platform, config: AgentConfig) -> anyhow::Result<Self> {
        let secrets = config.secret_box()?;
        Ok(Self {
            paths: config.data_paths(),
            platform,
            config: Arc::new(config),
            secrets: Arc::new(secrets),
        })
    }
}

/// The service's OpenAPI document, as `agent-svc openapi` prints it and `openapi/agent-svc.json`
/// holds it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    kit::openapi::document(&SERVICE, routes::routes().into_openapi())
}

pub fn router(state: AppState) -> Router {
    let (routes, api) = routes::routes().split_for_parts();
    let openapi = kit::openapi::document(&SERVICE, api);
    kit::http::service_router(state.platform.clone(), routes.with_state(state), openapi)
}

pub async fn run(
    config: CommonConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    // Read before connecting anything, so a missing key fails start-up at once.
    let own = AgentConfig::load()?;
    let secrets = Arc::new(own.secret_box()?);
    let paths = own.data_paths();
    let own = Arc::new(own);
    let recorder_stop = shutdown.clone();
    let clock_stop = shutdown.clone();
    kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        let recorder = platform.clone();
        tokio::spawn(async move {
            if let Err(err) = workers::activity::run(recorder, recorder_stop).await {
                tracing::error!(error = %err, "the activity recorder stopped");
            }
        });
        if own.pulse_clock_tick_secs > 0 {
            let every = std::time::Duration::from_secs(own.pulse_clock_tick_secs);
            tokio::spawn(workers::pulse_clock::run(
                platform.clone(),
                every,
                clock_stop.clone(),
            ));
        }
        let (seed_platform, seed_config) = (platform.clone(), own.clone());
        tokio::spawn(async move {
            if let Err(err) = flows::catalog::seed(&seed_platform, &seed_config).await {
                tracing::error!(error = %err, "seeding the global catalogs failed");
            }
        });
        router(AppState {
            platform,
            config: own,
            secrets,
            paths,
        })
    })
    .await
}
