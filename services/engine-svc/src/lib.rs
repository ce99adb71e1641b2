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
pub mod runtimes;
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
    // Settings fail here, before anything is connected: a DEPLOYMENT_MODE whose backend is
    // not built refuses to start rather than fall back to processes.
    let own = Arc::new(EngineConfig::load()?);
    let runtimes_config = runtimes::RuntimesConfig::load()?;
    runtimes_config.deployment_mode.check()?;
    let grace = config.shutdown_grace();
    let parts = (
        runtimes_config.instance_id(&config),
        config.redis_url().to_owned(),
        kit::tls::redis_client(&config)?,
    );
    let worker_stop = shutdown.clone();
    let started = std::sync::Mutex::new(None);
    let (reconcile_stop, heartbeat_stop) = (CancellationToken::new(), CancellationToken::new());
    let served = kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        workers::pipeline_seed::spawn(platform.clone(), own.clone());
        let (instance, redis_url, client) = parts;
        let runtimes = runtimes::Runtimes::new(runtimes::service::RuntimesParts {
            config: runtimes_config,
            instance,
            redis: platform.redis.clone(),
            redis_url,
            client,
            keys: platform.keys.clone(),
            db: platform.db.clone(),
        });
        let heartbeat = tokio::spawn(workers::heartbeat::run(
            runtimes.clone(),
            heartbeat_stop.clone(),
        ));
        let state = AppState::new(platform, own);
        tokio::spawn(workers::reconciler::run(
            runtimes.clone(),
            Arc::new(flows::steps::vanished::RetryVanished(state.clone())),
            reconcile_stop.clone(),
        ));
        *started
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((runtimes.clone(), heartbeat));
        workers::spawn(state.clone(), worker_stop.clone());
        let executor = flows::execute::Executor {
            agents: flows::execute::agent_env::AgentEnv::new(
                state.platform.client.clone(),
                &state.config.agent_svc_url,
            ),
            api_url: state.config.api_url(),
            runtimes: runtimes.clone(),
            app: state.clone(),
        };
        workers::chat::spawn(
            flows::chat::Chat::new(state.clone(), runtimes.clone(), worker_stop.clone()),
            worker_stop.clone(),
        );
        let steps = state.config.max_concurrent_steps();
        tokio::spawn(async move {
            if let Err(err) = workers::executor::run(executor, steps, worker_stop).await {
                tracing::error!(error = %err, "the step executor stopped");
            }
        });
        router(state)
    })
    .await;
    // SIGTERM: the HTTP side has drained; finish or hand back the runtimes, then stop beating
    // (the liveness key goes last, so the others take the handed-back steps only now).
    let started = started
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some((runtimes, heartbeat)) = started {
        reconcile_stop.cancel();
        runtimes.drain(grace).await;
        heartbeat_stop.cancel();
        if let Err(err) = heartbeat.await {
            tracing::error!(error = %err, "the instance heartbeat task failed");
        }
    }
    served
}
