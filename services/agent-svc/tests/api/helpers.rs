//! Shared set-up: an agent-svc with a scratch DATA_PATH, tenants with users, agents.

use std::path::PathBuf;

use agent_svc::config::AgentConfig;
use agent_svc::{AppState, SERVICE, router};
use kit::TokenKind;
use kit::testing::TestApp;
pub use kit::testing::assert_error;
use serde_json::{Value, json as j};
use shared_schemas::ids::TenantId;

pub const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/// The repository root (agent-templates/, skills/ live there).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn agent_config(extra: Value) -> AgentConfig {
    let data = std::env::temp_dir().join(format!("djb-agent-svc-{}", uuid_like()));
    let mut base = j!({
        "secret_encryption_key": KEY,
        "data_path": data,
        "skills_dir": repo_root().join("skills"),
        "agent_templates_dir": repo_root().join("agent-templates"),
    });
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    serde_json::from_value(base).expect("agent config")
}

fn uuid_like() -> String {
    shared_schemas::ids::random_body()
}

pub async fn spawn() -> TestApp {
    spawn_with(j!({})).await
}

/// With agent-svc settings overridden, e.g. `{"sandbox_read_limit_bytes": 10}`.
pub async fn spawn_with(extra: Value) -> TestApp {
    let config = agent_config(extra);
    let seed_config = config.clone();
    let app = TestApp::spawn(SERVICE, move |platform| {
        router(AppState::new(platform, config).expect("state"))
    })
    .await;
    agent_svc::flows::catalog::seed(&app.platform, &seed_config)
        .await
        .expect("seed catalogs");
    app
}

/// A tenant and a user token in it.
pub struct Tenant {
    pub id: TenantId,
    pub user: String,
    pub token: String,
}

pub async fn tenant(app: &TestApp, name: &str) -> Tenant {
    let (id, user) = app.create_tenant(name).await;
    let token = app.token(&id, user.as_str(), TokenKind::User);
    Tenant {
        id,
        user: user.to_string(),
        token,
    }
}

pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.client.send(method, path, token, body).await
}

/// Creates an agent through the API; returns its id.
pub async fn agent(app: &TestApp, t: &Tenant, slug: &str) -> String {
    let (status, body) = send(
        app,
        "POST",
        "/v1/agents/",
        &t.token,
        Some(j!({ "name": slug, "slug": slug })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

/// A set-up request that must succeed (any 2xx; kit's checked set-up call); its body. A failed set-up would otherwise let
/// a later check pass for the wrong reason (an isolation test finding nothing to leak).
pub async fn set_up(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("HTTP method");
    app.client.setup(method, path, token, body).await
}
