//! Shared set-up: memory-svc with a scratch DATA_PATH, and the real agent-svc beside it on the
//! same database (memory-svc asks it which agents a tenant has).

use std::path::{Path, PathBuf};
use std::time::Duration;

use kit::db::Db;
use kit::platform::connect_redis_client;
use kit::testing::{TestApp, TestTenant};
use kit::{Platform, TokenKind};
use memory_svc::config::MemoryConfig;
use memory_svc::{AppState, SERVICE};
use reqwest::StatusCode;
use serde_json::{Value, json as j};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub struct Memory {
    pub app: TestApp,
    /// The state the router runs with (for workers a test drives by hand).
    pub state: AppState,
    pub data: PathBuf,
    agent_svc: String,
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("djb-{name}-{}", shared_schemas::ids::random_body()))
}

pub async fn spawn() -> Memory {
    spawn_with(|_| {}).await
}

/// With memory-svc's settings adjusted first.
pub async fn spawn_with(adjust: impl FnOnce(&mut MemoryConfig)) -> Memory {
    let agent_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let agent_svc = format!("http://{}", agent_listener.local_addr().expect("addr"));
    let data = scratch("memory-svc");
    let mut config = MemoryConfig {
        data_path: data.clone(),
        agent_svc_url: agent_svc.clone(),
        scan_interval_secs: 0,
        ..MemoryConfig::default()
    };
    adjust(&mut config);
    let slot = std::sync::Arc::new(std::sync::OnceLock::new());
    let keep = slot.clone();
    let app = TestApp::spawn(SERVICE, move |platform| {
        let state = AppState::new(platform, config);
        let _ = keep.set(state.clone());
        memory_svc::router(state)
    })
    .await;
    let state = slot.get().expect("state").clone();
    serve_agent_svc(&app, agent_listener).await;
    Memory {
        app,
        state,
        data,
        agent_svc,
    }
}

/// agent-svc's router on `listener`, on `app`'s database as agent-svc's own role.
async fn serve_agent_svc(app: &TestApp, listener: TcpListener) {
    let config = kit::testing::test_config(&agent_svc::SERVICE, &app.db);
    let pool = Db::connect_lazy(config.database_url(), 2).expect("agent-svc pool");
    let client = kit::tls::redis_client(&config).expect("redis client");
    let redis = connect_redis_client(client).await.expect("redis");
    let platform = Platform::from_parts(agent_svc::SERVICE, config, pool, redis).expect("platform");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let agent_config: agent_svc::config::AgentConfig = serde_json::from_value(j!({
        "secret_encryption_key": "00".repeat(32),
        "data_path": scratch("agent-svc"),
        "skills_dir": root.join("skills"),
        "agent_templates_dir": root.join("agent-templates"),
    }))
    .expect("agent config");
    let state = agent_svc::AppState::new(platform, agent_config).expect("state");
    tokio::spawn(kit::http::serve(
        agent_svc::router(state),
        listener,
        CancellationToken::new(),
        Duration::from_secs(1),
    ));
}

impl Memory {
    pub async fn tenant(&self, name: &str) -> TestTenant {
        self.app.tenant(name).await
    }

    /// A new agent of `t` (through agent-svc); its id.
    pub async fn agent(&self, t: &TestTenant, slug: &str) -> String {
        let res = reqwest::Client::new()
            .post(format!("{}/v1/agents/", self.agent_svc))
            .bearer_auth(&t.token)
            .json(&j!({ "name": slug, "slug": slug }))
            .send()
            .await
            .expect("create agent");
        let status = res.status();
        let body: Value = res.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    pub fn agent_token(&self, t: &TestTenant, agent: &str) -> String {
        let mut claims = kit::auth::Claims::access(
            format!("agent:{agent}"),
            t.id.clone(),
            TokenKind::Agent,
            Duration::from_secs(900),
        );
        claims.agent_id = Some(agent.to_owned());
        self.app.mint(&claims)
    }

    pub fn service_token(&self, t: &TestTenant) -> String {
        self.app.token(&t.id, "svc:test", TokenKind::Service)
    }

    /// The vault's directory on disk.
    pub fn vault_dir(&self, t: &TestTenant, vault: &str) -> PathBuf {
        self.data
            .join("tenants")
            .join(t.id.as_str())
            .join("vaults")
            .join(vault)
    }

    /// Creates a note through the API (must succeed).
    pub async fn note(&self, t: &TestTenant, vault: &str, path: &str, content: &str) {
        self.app
            .client
            .bearer(&t.token)
            .setup(
                reqwest::Method::POST,
                &format!("/v1/memory/vaults/{vault}/files"),
                j!({ "filename": path, "content": content }),
            )
            .await;
    }
}

/// Every file below `dir` with its content, for "nothing changed on disk" checks.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let meta = std::fs::symlink_metadata(&path).expect("meta");
            if meta.is_dir() {
                stack.push(path);
            } else {
                let content = std::fs::read(&path).unwrap_or_default();
                out.push((path.display().to_string(), content));
            }
        }
    }
    out.sort();
    out
}
