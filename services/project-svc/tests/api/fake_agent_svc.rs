//! A stand-in for agent-svc on a real socket: `GET /v1/agents/{slug}` answers like agent-svc
//! does, for the tenant of the service token it receives, and records the calls it gets.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use kit::auth::JwtKeys;
use kit::testing::TestApp;
use serde_json::{Value, json as j};
use shared_schemas::ids::TenantId;
use tokio::net::TcpListener;

use crate::helpers::{project_config, seed_templates};

#[derive(Clone, Default)]
pub struct FakeAgents {
    /// (tenant, slug) -> agent id.
    agents: Arc<Mutex<HashMap<(String, String), String>>>,
    /// The slugs asked for, with the tenant of the token that asked.
    pub calls: Arc<Mutex<Vec<(String, String)>>>,
}

impl FakeAgents {
    pub fn add(&self, tenant: &TenantId, slug: &str, id: &str) {
        let key = (tenant.as_str().to_owned(), slug.to_owned());
        self.agents
            .lock()
            .expect("agents")
            .insert(key, id.to_owned());
    }

    pub fn calls(&self) -> Vec<(String, String)> {
        self.calls.lock().expect("calls").clone()
    }
}

/// project-svc asking a fake agent-svc, which trusts the tokens project-svc signs.
pub async fn spawn_with_agents() -> (TestApp, FakeAgents) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = spawn_asking(&format!("http://{addr}")).await;
    let fake = FakeAgents::default();
    let router = Router::new()
        .route("/v1/agents/{slug}", get(agent))
        .with_state((fake.clone(), app.platform.jwt.clone()));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (app, fake)
}

/// project-svc asking agent-svc at `url`.
pub async fn spawn_asking(url: &str) -> TestApp {
    let mut config = project_config();
    config.agent_svc_url = url.to_owned();
    let app = TestApp::spawn(project_svc::SERVICE, move |platform| {
        project_svc::router(project_svc::AppState::new(platform, config))
    })
    .await;
    seed_templates(&app).await;
    app
}

async fn agent(
    State((fake, jwt)): State<(FakeAgents, Arc<JwtKeys>)>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> (StatusCode, Json<Value>) {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(claims) = token.and_then(|t| jwt.verify(t).ok()) else {
        let body = j!({"detail": "not authenticated", "code": "not_authenticated"});
        return (StatusCode::UNAUTHORIZED, Json(body));
    };
    let tenant = claims.tenant_id.as_str().to_owned();
    fake.calls
        .lock()
        .expect("calls")
        .push((tenant.clone(), slug.clone()));
    let found = fake
        .agents
        .lock()
        .expect("agents")
        .get(&(tenant, slug.clone()))
        .cloned();
    match found {
        Some(id) => (
            StatusCode::OK,
            Json(j!({"id": id, "slug": slug, "name": slug, "status": "active"})),
        ),
        None => (
            StatusCode::NOT_FOUND,
            Json(j!({"detail": "agent not found", "code": "agent_not_found"})),
        ),
    }
}
