//! Starts the platform as a user runs it: every service binary (built by `make test`) on its own
//! free loopback port against a fresh database, and HAProxy with `haproxy/dev.cfg` in front.
//! Everything is killed when the [`Stack`] is dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kit::testing::{TEST_AUTH_SECRET, TestDb, redis_url};

/// (binary, Postgres role, env var HAProxy reads its address from)
pub const SERVICES: &[(&str, &str, &str)] = &[
    ("auth-svc", "auth_svc", "AUTH_SVC_ADDR"),
    ("project-svc", "project_svc", "PROJECT_SVC_ADDR"),
    ("agent-svc", "agent_svc", "AGENT_SVC_ADDR"),
    ("sse-relay", "sse_relay", "SSE_RELAY_ADDR"),
    ("memory-svc", "memory_svc", "MEMORY_SVC_ADDR"),
    ("engine-svc", "engine_svc", "ENGINE_SVC_ADDR"),
    ("slack-svc", "slack_svc", "SLACK_SVC_ADDR"),
    ("mcp-svc", "mcp_svc", "MCP_SVC_ADDR"),
    ("webhook-gw", "webhook_gw", "WEBHOOK_GW_ADDR"),
];

pub struct Stack {
    pub db: TestDb,
    /// HAProxy's public address, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    pub http: reqwest::Client,
    /// Each service's own address (`http://127.0.0.1:<port>`), by binary name, for tests that
    /// talk to a service directly instead of through HAProxy.
    pub services: Vec<(&'static str, String)>,
    /// The extra engine-svc replicas of [`Options::engine_replicas`].
    pub replicas: Replicas,
    /// Where the services keep tenant files (`DATA_PATH`).
    pub data: PathBuf,
    /// Declared before the database so processes stop before anything else is dropped.
    _children: Children,
    _dir: TempDir,
}

/// Kills every started process when dropped — also when start-up panics half-way.
#[derive(Default)]
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn output() -> Stdio {
    if std::env::var_os("TEST_LOG").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

/// Extra engine-svc processes; killed when dropped.
#[derive(Default)]
pub struct Replicas(Vec<(Child, u16)>);

impl Replicas {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `kill -9` of replica `i`: no shutdown of any kind, as when a node dies.
    pub fn kill(&mut self, i: usize) {
        if let Some((child, _)) = self.0.get_mut(i) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The process id of replica `i`.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.0.get(i).map(|(c, _)| c.id())
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        for (child, _) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Options of a stack; defaults are the production defaults of `dev.cfg`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub tenant_rate_limit: Option<u32>,
    /// Requests per minute per client IP on the credential endpoints (`DJB_AUTH_RATE_LIMIT`).
    pub auth_rate_limit: Option<u32>,
    /// Concurrent connections per client IP (`DJB_IP_CONN_LIMIT`).
    pub ip_conn_limit: Option<u32>,
    /// More variables for every service (`OUTBOUND_ALLOW` for a test's fake LLM, …).
    pub env: Vec<(String, String)>,
    /// Extra engine-svc replicas beside the first (they serve no HTTP through HAProxy but take
    /// their share of the steps), to test scale-out and the loss of a replica.
    pub engine_replicas: usize,
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("DJB_BIN_DIR") {
        return PathBuf::from(dir);
    }
    std::env::var("CARGO_TARGET_DIR")
        .map_or_else(|_| workspace_root().join("target"), PathBuf::from)
        .join("debug")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("free port: {e}"))
}

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Stack {
    pub async fn start(options: Options) -> Self {
        kit::testing::init_logs();
        let db = TestDb::create().await;
        let dir = std::env::temp_dir().join(format!("djb-e2e-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir: {e}"));
        let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
        let log = if std::env::var_os("TEST_LOG").is_some() {
            "info"
        } else {
            "warn"
        };
        let mut children = Children::default();
        let mut addrs = Vec::new();
        // Ports first: services that call each other are told where the others listen.
        let ports: Vec<u16> = SERVICES.iter().map(|_| free_port()).collect();
        let http_port = free_port();
        let data = dir.join("data");
        let url_of = |service: &str| {
            let i = SERVICES.iter().position(|(n, _, _)| *n == service);
            format!("http://127.0.0.1:{}", i.map_or(0, |i| ports[i]))
        };
        let command = |name: &str, role: &str, port: u16| {
            let bin = bin_dir().join(name);
            let mut cmd = Command::new(&bin);
            cmd.arg("serve")
                .env("DJB_DEV_MODE", "true")
                .env("HOST", "127.0.0.1")
                .env("PORT", port.to_string())
                .env("DATABASE_URL", db.url_as(role))
                .env("REDIS_URL", redis_url())
                .env("REDIS_PREFIX", &prefix)
                .env("AUTH_SECRET_KEY", TEST_AUTH_SECRET)
                .env("SECRET_ENCRYPTION_KEY", "0f".repeat(32))
                .env("AUTH_SVC_URL", url_of("auth-svc"))
                .env("AGENT_SVC_URL", url_of("agent-svc"))
                .env("PROJECT_SVC_URL", url_of("project-svc"))
                .env("MEMORY_SVC_URL", url_of("memory-svc"))
                .env("ENGINE_SVC_URL", url_of("engine-svc"))
                .env("DJINNBOT_API_URL", format!("http://127.0.0.1:{http_port}"))
                .env("DATA_PATH", &data)
                // The repository's global pipelines (engine-svc seeds them at start).
                .env(
                    "PIPELINES_DIR",
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines"),
                )
                .env("RUST_LOG", log)
                .envs(options.env.iter().map(|(k, v)| (k, v)))
                .stdout(output());
            (bin, cmd)
        };
        let spawn = |name: &str, role: &str, port: u16| {
            let (bin, mut cmd) = command(name, role, port);
            cmd.spawn().unwrap_or_else(|e| {
                panic!(
                    "start {} (run `make test`, which builds it): {e}",
                    bin.display()
                )
            })
        };
        for ((name, role, addr_var), port) in SERVICES.iter().zip(ports.iter().copied()) {
            children.0.push(spawn(name, role, port));
            addrs.push((*name, *addr_var, port));
        }
        let mut replicas = Replicas::default();
        for i in 0..options.engine_replicas {
            let port = free_port();
            let (bin, mut cmd) = command("engine-svc", "engine_svc", port);
            cmd.env("ENGINE_INSTANCE_ID", format!("e2e-replica-{i}"));
            let child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
            replicas.0.push((child, port));
        }
        let http = kit::tls::http_client_builder_trusting(None)
            .unwrap_or_else(|e| panic!("{e}"))
            .build()
            .unwrap_or_else(|e| panic!("http client: {e}"));
        for (name, _, port) in &addrs {
            wait_ok(
                &http,
                &format!("http://127.0.0.1:{port}/health/ready"),
                name,
            )
            .await;
        }
        for (_, port) in &replicas.0 {
            wait_ok(
                &http,
                &format!("http://127.0.0.1:{port}/health/ready"),
                "engine-svc replica",
            )
            .await;
        }
        let mut haproxy = Command::new("haproxy");
        haproxy
            .args(["-db", "-f"])
            .arg(workspace_root().join("haproxy/dev.cfg"))
            .env("DJB_HTTP_PORT", http_port.to_string())
            .env("DJB_HAPROXY_STATS_PORT", free_port().to_string())
            .env("DJB_DEV_DIR", &dir)
            .env("AUTH_SECRET_KEY", TEST_AUTH_SECRET)
            // Every test request comes from 127.0.0.1: keep the per-IP budgets out of the way
            // unless a test sets them.
            .env("DJB_IP_RATE_LIMIT", "1000000")
            .env(
                "DJB_AUTH_RATE_LIMIT",
                options.auth_rate_limit.unwrap_or(1_000_000).to_string(),
            )
            .env(
                "DJB_IP_CONN_LIMIT",
                options.ip_conn_limit.unwrap_or(100_000).to_string(),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(limit) = options.tenant_rate_limit {
            haproxy.env("DJB_TENANT_RATE_LIMIT", limit.to_string());
        }
        for (_, var, port) in &addrs {
            haproxy.env(var, format!("127.0.0.1:{port}"));
        }
        children.0.push(
            haproxy
                .spawn()
                .unwrap_or_else(|e| panic!("start haproxy: {e}")),
        );
        let base = format!("http://127.0.0.1:{http_port}");
        // HAProxy marks a backend up after its first passing health check.
        for (name, _, _) in &addrs {
            wait_ok(&http, &format!("{base}/health/{name}"), "haproxy").await;
        }
        let services = addrs
            .iter()
            .map(|(name, _, port)| (*name, format!("http://127.0.0.1:{port}")))
            .collect();
        Self {
            db,
            base,
            http,
            services,
            replicas,
            data,
            _children: children,
            _dir: TempDir(dir),
        }
    }

    /// A service's own address (`http://127.0.0.1:<port>`).
    pub fn service_url(&self, name: &str) -> &str {
        self.services
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, url)| url.as_str())
            .unwrap_or_else(|| panic!("no service {name}"))
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(format!("{}{path}", self.base))
    }
}

async fn wait_ok(http: &reqwest::Client, url: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(res) = http.get(url).send().await
            && res.status().is_success()
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what} not ready at {url} within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
