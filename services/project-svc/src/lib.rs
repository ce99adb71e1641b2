//! project-svc: projects, their kanban boards, tasks, dependencies, workflows, templates and
//! onboarding sessions, per tenant. Runs are requested from engine-svc through the outbox
//! (`RUN_REQUESTED`), never by a call. Onboarding conversations are answered by the leading
//! agent's agent-svc chat. See docs/projects.md.

pub mod agent_chat;
pub mod agent_directory;
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

use crate::agent_chat::AgentChat;
use crate::agent_directory::{AgentDirectory, HttpAgentDirectory};
use crate::config::ProjectConfig;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "project-svc",
    default_port: 8020,
    db_role: "project_svc",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
    pub config: Arc<ProjectConfig>,
    /// Which agent a slug names (agent-svc).
    pub agents: Arc<dyn AgentDirectory>,
    /// The agents' chats that answer onboarding conversations (agent-svc).
    pub agent_chat: Arc<AgentChat>,
}

impl AppState {
    /// The state with agent-svc asked over HTTP at `config.agent_svc_url`.
    pub fn new(platform: Platform, config: ProjectConfig) -> Self {
        Self::from_shared(platform, Arc::new(config))
    }

    fn from_shared(platform: Platform, config: Arc<ProjectConfig>) -> Self {
        let agents = HttpAgentDirectory::new(platform.client.clone(), &config.agent_svc_url);
        let agent_chat = AgentChat::new(platform.client.clone(), &config.agent_svc_url);
        Self {
            platform,
            config,
            agents: Arc::new(agents),
            agent_chat: Arc::new(agent_chat),
        }
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
    let cleanup_stop = shutdown.clone();
    let replies_stop = shutdown.clone();
    kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        let cleaner = platform.clone();
        tokio::spawn(async move {
            if let Err(err) = workers::agent_cleanup::run(cleaner, cleanup_stop).await {
                tracing::error!(error = %err, "the deleted-agent clean-up stopped");
            }
        });
        let recorder = platform.clone();
        tokio::spawn(async move {
            if let Err(err) = workers::onboarding_replies::run(recorder, replies_stop).await {
                tracing::error!(error = %err, "the onboarding reply recorder stopped");
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
        router(AppState::from_shared(platform, own))
    })
    .await
}
