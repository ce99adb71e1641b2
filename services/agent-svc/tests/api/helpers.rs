//! Shared set-up: an agent-svc with a scratch DATA_PATH, tenants with users, agents.

use std::path::PathBuf;
use std::time::Duration;

use agent_svc::config::AgentConfig;
use agent_svc::{AppState, SERVICE, router};
use kit::db::Db;
use kit::platform::connect_redis_client;
use kit::testing::TestApp;
pub use kit::testing::assert_error;
use kit::{Platform, TokenKind};
use serde_json::{Value, json as j};
use shared_schemas::ids::TenantId;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

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

/// With agent-svc settings overridden, e.g. `{"sandbox_read_limit_bytes": 10}`. A real auth-svc
/// runs beside it on the same database (agent-svc asks it whether an admin is still one).
pub async fn spawn_with(extra: Value) -> TestApp {
    spawn_with_common(extra, |_| {}).await
}

/// `spawn_with`, with kit's common settings changed too (e.g. the tenant rate limit).
pub async fn spawn_with_common(
    extra: Value,
    common: impl FnOnce(&mut kit::CommonConfig),
) -> TestApp {
    let config = agent_config(extra);
    let seed_config = config.clone();
    let auth_listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind auth-svc");
    let auth_url = format!("http://{}", auth_listener.local_addr().expect("auth addr"));
    let app = TestApp::spawn_with(
        SERVICE,
        |c| {
            c.auth_svc_url = auth_url;
            common(c);
        },
        move |platform| router(AppState::new(platform, config).expect("state")),
    )
    .await;
    serve_auth_svc(&app, auth_listener).await;
    agent_svc::flows::catalog::seed(&app.platform, &seed_config)
        .await
        .expect("seed catalogs");
    app
}

/// auth-svc's router on `listener`, connected to `app`'s database as auth-svc's own role.
async fn serve_auth_svc(app: &TestApp, listener: TcpListener) {
    let config = kit::testing::test_config(&auth_svc::SERVICE, &app.db);
    let pool = Db::connect_lazy(config.database_url(), 2).expect("auth-svc pool");
    let redis_client = kit::tls::redis_client(&config).expect("auth-svc redis client");
    let redis = connect_redis_client(redis_client)
        .await
        .expect("auth-svc redis");
    let platform =
        Platform::from_parts(auth_svc::SERVICE, config, pool, redis).expect("auth-svc platform");
    let auth_config: auth_svc::config::AuthConfig =
        serde_json::from_value(j!({ "secret_encryption_key": KEY })).expect("auth config");
    let router = auth_svc::router(auth_svc::AppState::new(platform, auth_config).expect("state"));
    // Runs until the test's process ends (nextest runs each test in its own).
    tokio::spawn(kit::http::serve(
        router,
        listener,
        CancellationToken::new(),
        Duration::from_secs(1),
    ));
}

/// Another user of the tenant, as auth-svc keeps them; `admin` sets the role.
pub async fn add_user(app: &TestApp, t: &Tenant, admin: bool) -> String {
    let id = format!("usr_{}", shared_schemas::ids::random_body());
    sqlx::query(
        "insert into auth.users (id, tenant_id, email, is_admin, created_at, updated_at)
         values ($1, $2, $3, $4, 0, 0)",
    )
    .bind(&id)
    .bind(t.id.as_str())
    .bind(format!("{id}@example.test"))
    .bind(admin)
    .execute(&app.db.admin)
    .await
    .expect("insert user");
    id
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
