//! `/health` (up), `/health/live` (no dependencies: the process answers), `/health/ready`
//! (Postgres and Redis reachable, else 503 so the load balancer stops sending traffic).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::Platform;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub service: &'static str,
    pub instance_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Checks {
    pub postgres: &'static str,
    pub redis: &'static str,
}

fn health(platform: &Platform, status: &'static str, checks: Option<Checks>) -> Json<Health> {
    Json(Health {
        status,
        service: platform.service.name,
        instance_id: platform.config.instance_id().to_owned(),
        checks,
    })
}

/// The service is up.
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = Health)))]
pub async fn up(State(platform): State<Platform>) -> Json<Health> {
    health(&platform, "ok", None)
}

/// Liveness: answers without touching any dependency.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = Health)))]
pub async fn live(State(platform): State<Platform>) -> Json<Health> {
    health(&platform, "ok", None)
}

/// Readiness: Postgres and Redis both answer.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn ready(State(platform): State<Platform>) -> (StatusCode, Json<Health>) {
    let mut redis = platform.redis.clone();
    let ping = redis::cmd("PING");
    let (pg, rd) = tokio::join!(
        tokio::time::timeout(CHECK_TIMEOUT, platform.db.ping()),
        tokio::time::timeout(CHECK_TIMEOUT, ping.query_async::<String>(&mut redis)),
    );
    let postgres = if matches!(pg, Ok(Ok(()))) {
        "ok"
    } else {
        "down"
    };
    let redis = if matches!(rd, Ok(Ok(_))) {
        "ok"
    } else {
        "down"
    };
    let ok = postgres == "ok" && redis == "ok";
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = health(
        &platform,
        if ok { "ok" } else { "unavailable" },
        Some(Checks { postgres, redis }),
    );
    (status, body)
}
