//! A tiny service used to exercise the platform stack.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kit::auth::stream::StreamTenantContext;
use kit::extract::{ValidJson, Validate};
use kit::testing::TestApp;
use kit::{Platform, ServiceInfo, TenantContext};
use serde::Deserialize;
use serde_json::{Value, json};

pub const SVC: ServiceInfo = ServiceInfo {
    name: "kit-test",
    default_port: 0,
    db_role: "auth_svc",
};

#[derive(Clone, FromRef)]
pub struct State_ {
    pub platform: Platform,
    pub created: Arc<AtomicU64>,
}

#[derive(Deserialize)]
pub struct NewItem {
    pub name: String,
}

impl Validate for NewItem {}

async fn whoami(ctx: TenantContext) -> Json<Value> {
    Json(json!({ "tenant": ctx.tenant_id, "sub": ctx.subject() }))
}

/// A stand-in for an SSE route: the one kind of route that takes `?token=`.
async fn stream(ctx: StreamTenantContext) -> Json<Value> {
    Json(json!({ "tenant": ctx.tenant_id, "sub": ctx.subject() }))
}

async fn create(
    State(created): State<Arc<AtomicU64>>,
    _ctx: TenantContext,
    ValidJson(item): ValidJson<NewItem>,
) -> (StatusCode, Json<Value>) {
    let n = created.fetch_add(1, Ordering::SeqCst) + 1;
    (
        StatusCode::CREATED,
        Json(json!({ "name": item.name, "n": n })),
    )
}

/// A route whose answer holds a secret (like auth-svc's new API keys).
async fn issue_secret(
    State(created): State<Arc<AtomicU64>>,
    _ctx: TenantContext,
) -> (StatusCode, Json<Value>) {
    created.fetch_add(1, Ordering::SeqCst);
    let key = format!("djb_{}", "ab".repeat(32));
    (StatusCode::CREATED, Json(json!({ "key": key })))
}

pub fn router(platform: Platform, created: Arc<AtomicU64>) -> Router {
    let state = State_ {
        platform: platform.clone(),
        created,
    };
    let routes = Router::new()
        .route("/v1/whoami", get(whoami))
        .route("/v1/items", post(create))
        .route("/v1/stream", get(stream).post(stream))
        .merge(
            Router::new()
                .route("/v1/secrets", post(issue_secret))
                .route_layer(kit::idempotency::withhold()),
        )
        .with_state(state);
    kit::http::service_router(platform, routes, utoipa::openapi::OpenApi::default())
}

pub async fn spawn() -> (TestApp, Arc<AtomicU64>) {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut kit::CommonConfig)) -> (TestApp, Arc<AtomicU64>) {
    let created = Arc::new(AtomicU64::new(0));
    let counter = created.clone();
    let app = TestApp::spawn_with(SVC, adjust, move |p| router(p, counter)).await;
    (app, created)
}
