//! webhook-gw: GitHub webhook ingestion with signature verification.
//!
//! Today it serves what kit gives every service (health, metrics, OpenAPI); its own routes
//! arrive with the issue that owns them.

use axum::Router;
use axum::extract::FromRef;
use kit::{CommonConfig, Platform, ServiceInfo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use utoipa::OpenApi;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "webhook-gw",
    default_port: 8002,
    db_role: "webhook_gw",
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub platform: Platform,
}

#[derive(OpenApi)]
#[openapi()]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    kit::openapi::document(&SERVICE, ApiDoc::openapi())
}

pub fn router(state: AppState) -> Router {
    let routes = Router::new().with_state(state.clone());
    kit::http::service_router(state.platform, routes, openapi())
}

pub async fn run(
    config: CommonConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    kit::run_service(SERVICE, config, listener, shutdown, |platform| {
        router(AppState { platform })
    })
    .await
}
