//! The real services the team tools call: agent-svc, memory-svc and project-svc binaries (built
//! by `cargo build --workspace --bins`, found in `DJB_BIN_DIR`) on free loopback ports against
//! a fresh test database, killed when the [`Services`] is dropped; and the tokens to call them.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kit::auth::JwtKeys;
use kit::testing::{TEST_AUTH_SECRET, TestDb};
use kit::{Claims, ServiceInfo, TokenKind};
use serde_json::Value;
use shared_schemas::ids::{RunId, TenantId};

/// (binary, Postgres role)
const SERVICES: [(&str, &str); 3] = [
    ("agent-svc", "agent_svc"),
    ("memory-svc", "memory_svc"),
    ("project-svc", "project_svc"),
];

pub struct Services {
    pub db: TestDb,
    pub agent_svc: String,
    pub memory_svc: String,
    pub project_svc: String,
    /// The services' Redis key prefix (tenant event streams are under it).
    pub keys: bus::Keys,
    pub http: reqwest::Client,
    jwt: JwtKeys,
    children: Vec<Child>,
    data: PathBuf,
}

impl Drop for Services {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn bin_dir() -> PathBuf {
    std::env::var("DJB_BIN_DIR").map_or_else(
        |_| {
            std::env::var("CARGO_TARGET_DIR")
                .map_or_else(
                    |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
                    PathBuf::from,
                )
                .join("debug")
        },
        PathBuf::from,
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Services {
    pub async fn start() -> Self {
        let db = TestDb::create().await;
        let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
        let data = crate::common::temp_dir("svc-data");
        let ports: Vec<u16> = SERVICES.iter().map(|_| free_port()).collect();
        let url = |i: usize| format!("http://127.0.0.1:{}", ports[i]);
        let mut children = Vec::new();
        for (i, (name, role)) in SERVICES.iter().enumerate() {
            let bin = bin_dir().join(name);
            let child = Command::new(&bin)
                .arg("serve")
                .env("DJB_DEV_MODE", "true")
                .env("HOST", "127.0.0.1")
                .env("PORT", ports[i].to_string())
                .env("DATABASE_URL", db.url_as(role))
                .env("REDIS_URL", crate::common::redis_url())
                .env("REDIS_PREFIX", &prefix)
                .env("AUTH_SECRET_KEY", TEST_AUTH_SECRET)
                .env("SECRET_ENCRYPTION_KEY", "0f".repeat(32))
                .env("AGENT_SVC_URL", url(0))
                .env("MEMORY_SVC_URL", url(1))
                .env("PROJECT_SVC_URL", url(2))
                .env("DATA_PATH", &data)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "start {} (cargo build --workspace --bins first): {e}",
                        bin.display()
                    )
                });
            children.push(child);
        }
        agent_runtime::tls::install_provider();
        let http = reqwest::Client::new();
        for (i, (name, _)) in SERVICES.iter().enumerate() {
            let ready = format!("{}/health/ready", url(i));
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Ok(res) = http.get(&ready).send().await
                    && res.status().is_success()
                {
                    break;
                }
                assert!(Instant::now() < deadline, "{name} not ready within 30 s");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let info = ServiceInfo {
            name: "agent-runtime-tests",
            default_port: 0,
            db_role: "agent_svc",
        };
        let jwt = JwtKeys::from_config(&kit::testing::dev_config(&info)).expect("keys");
        Self {
            db,
            agent_svc: url(0),
            memory_svc: url(1),
            project_svc: url(2),
            keys: bus::Keys::new(prefix),
            http,
            jwt,
            children,
            data,
        }
    }

    /// A tenant and its owner's token.
    pub async fn tenant(&self, name: &str) -> (TenantId, String) {
        let (tenant, user) = self.db.create_tenant(name).await;
        let claims = Claims::access(
            user.as_str(),
            tenant.clone(),
            TokenKind::User,
            Duration::from_secs(900),
        );
        (tenant, self.jwt.mint(&claims).expect("mint"))
    }

    /// The token the engine gives a runtime of `agent` for `run`.
    pub fn agent_token(&self, tenant: &TenantId, agent: &str, run: &RunId) -> String {
        let mut claims = Claims::access(
            agent,
            tenant.clone(),
            TokenKind::Agent,
            Duration::from_secs(900),
        );
        claims.agent_id = Some(agent.to_owned());
        claims.run_id = Some(run.as_str().to_owned());
        self.jwt.mint(&claims).expect("mint")
    }

    /// `method` on `base{path}` as `token`; the status and the JSON answer.
    pub async fn call(
        &self,
        method: &str,
        url: String,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("send");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A new agent of the tenant; its `agt_` id.
    pub async fn agent(&self, token: &str, slug: &str) -> String {
        let body = serde_json::json!({"name": slug, "slug": slug});
        let (status, agent) = self
            .call(
                "POST",
                format!("{}/v1/agents/", self.agent_svc),
                token,
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "{agent}");
        agent["id"].as_str().expect("id").to_owned()
    }

    /// The runtime variables that point the team tools at these services as `agent`.
    pub fn runtime_env(&self, agent: &str, token: String) -> Vec<(&'static str, String)> {
        vec![
            ("AGENT_ID", agent.to_owned()),
            ("AGENT_API_TOKEN", token),
            ("AGENT_SVC_URL", self.agent_svc.clone()),
            ("MEMORY_SVC_URL", self.memory_svc.clone()),
            ("PROJECT_SVC_URL", self.project_svc.clone()),
        ]
    }

    /// The tenant's event stream (the services' prefix), oldest first.
    pub async fn tenant_events(&self, tenant: &TenantId) -> Vec<Value> {
        let client = redis::Client::open(crate::common::redis_url()).expect("client");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis");
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(self.keys.tenant_events(tenant))
            .arg("-")
            .arg("+")
            .query_async(&mut conn)
            .await
            .expect("xrange");
        reply
            .ids
            .iter()
            .filter_map(|e| e.get::<String>("data"))
            .filter_map(|d| serde_json::from_str(&d).ok())
            .collect()
    }
}
