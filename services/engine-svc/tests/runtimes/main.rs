//! engine-svc's runtimes against real processes, Redis and (for the reconciler) Postgres.
//!
//! The agent-runtime binary must be built first (`cargo build -p agent-runtime`); it is found in
//! `DJB_BIN_DIR`, else `$CARGO_TARGET_DIR/debug`, else `target/debug`. Other tests run small
//! shell scripts or `/usr/bin/env` as the runtime program to observe what a child gets.

mod acl;
mod logs;
mod process;
mod reconcile;
mod service;
mod session;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bus::Keys;
use engine_svc::runtimes::service::{RuntimesParts, StartRuntime};
use engine_svc::runtimes::{RuntimeKind, Runtimes, RuntimesConfig};
use kit::db::Db;
use redis::aio::ConnectionManager;
use shared_schemas::ids::{AgentId, RunId, TenantId};

pub struct Harness {
    pub rt: Arc<Runtimes>,
    pub keys: Keys,
    pub redis: ConnectionManager,
    pub data: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

pub fn redis_url() -> String {
    kit::testing::redis_url()
}

/// The agent-runtime binary of this build.
pub fn runtime_bin() -> PathBuf {
    let dir = std::env::var("DJB_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            std::env::var("CARGO_TARGET_DIR")
                .map(|d| PathBuf::from(d).join("debug"))
                .unwrap_or_else(|_| {
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug")
                })
        });
    let bin = dir.join("agent-runtime");
    assert!(
        bin.is_file(),
        "{} missing: run `cargo build -p agent-runtime` (or set DJB_BIN_DIR)",
        bin.display()
    );
    bin
}

pub fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("djb-rt-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// An executable shell script in `dir`.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

pub async fn connect(url: &str) -> ConnectionManager {
    let client = redis::Client::open(url).expect("redis url");
    ConnectionManager::new(client)
        .await
        .expect("redis reachable (make test starts it)")
}

/// Runtimes over a fresh key prefix and data directory; `db` only for the reconciler's tests.
pub async fn harness(adjust: impl FnOnce(&mut RuntimesConfig), db: Option<Db>) -> Harness {
    kit::testing::init_logs();
    let data = scratch();
    let mut config = RuntimesConfig {
        data_path: data.join("data"),
        agent_runtime_bin: Some(runtime_bin()),
        runtime_stop_grace_secs: 2,
        runtime_ready_timeout_secs: 15,
        runtime_ack_timeout_secs: 1,
        ..RuntimesConfig::default()
    };
    adjust(&mut config);
    let keys = Keys::new(format!("test-{}", uuid::Uuid::new_v4().simple()));
    let redis = connect(&redis_url()).await;
    let db = db.unwrap_or_else(|| {
        Db::connect_lazy("postgres://nobody@127.0.0.1:1/none", 1).expect("lazy pool")
    });
    let rt = Runtimes::new(RuntimesParts {
        config,
        instance: format!("test-{}", uuid::Uuid::new_v4().simple()),
        redis: redis.clone(),
        redis_url: redis_url(),
        client: redis::Client::open(redis_url()).expect("client"),
        keys: keys.clone(),
        db,
    });
    Harness {
        rt,
        keys,
        redis,
        data,
    }
}

pub fn start_request(tenant: &TenantId, run: &RunId) -> StartRuntime {
    StartRuntime {
        tenant: tenant.clone(),
        run: run.clone(),
        agent: AgentId::generate(),
        kind: RuntimeKind::PipelineStep {
            step_id: "build".into(),
            attempt: 1,
        },
        model: Some("openai/gpt-4o-mini".into()),
        env: BTreeMap::from([("OPENAI_API_KEY".to_owned(), "sk-test".to_owned())]),
        memory_limit_bytes: None,
        cpu_millis: None,
        image: None,
    }
}

/// The lines of a run's log stream, oldest first.
pub async fn log_lines(h: &Harness, tenant: &TenantId, run: &RunId) -> Vec<String> {
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(h.keys.run_logs(tenant, run))
        .arg("-")
        .arg("+")
        .query_async(&mut h.redis.clone())
        .await
        .expect("xrange");
    entries
        .into_iter()
        .filter_map(|(_, fields)| {
            fields
                .into_iter()
                .find(|(name, _)| name == "line")
                .map(|(_, line)| line)
        })
        .collect()
}

/// Waits until `check` holds, at most `wait`.
pub async fn eventually<F: AsyncFnMut() -> bool>(wait: Duration, mut check: F) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `(pid, ppid, pgrp, state)` of every process.
pub fn processes() -> Vec<(u32, u32, u32, char)> {
    let mut all = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return all;
    };
    for entry in dir.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(ppid), Some(pgrp)) = (
            fields.first().and_then(|s| s.chars().next()),
            fields.get(1).and_then(|s| s.parse().ok()),
            fields.get(2).and_then(|s| s.parse().ok()),
        ) else {
            continue;
        };
        all.push((pid, ppid, pgrp, state));
    }
    all
}
