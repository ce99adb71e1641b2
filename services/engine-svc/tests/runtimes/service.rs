//! The engine binary: refused deployment modes, and the instance's liveness from start to
//! SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use bus::Keys;
use kit::testing::TestDb;
use rustix::process::{Pid, Signal, kill_process};

use crate::{connect, eventually, redis_url, scratch};

fn engine() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_engine-svc"));
    cmd.env_clear()
        .env("DJB_DEV_MODE", "true")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

#[tokio::test]
async fn deployment_modes_without_a_backend_refuse_to_start() {
    for mode in ["kubernetes", "compose"] {
        let out = engine()
            .env("DEPLOYMENT_MODE", mode)
            .output()
            .await
            .expect("engine-svc runs");
        assert!(!out.status.success(), "{mode} started");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("DEPLOYMENT_MODE={mode} is not available yet")),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn the_engine_announces_its_instance_and_retires_it_at_sigterm() {
    let db = TestDb::create().await;
    let data = scratch();
    let prefix = format!("test-{}", uuid::Uuid::new_v4().simple());
    let instance = format!("engine-{}", uuid::Uuid::new_v4().simple());
    let mut child = engine()
        .env("DATABASE_URL", db.url_as("engine_svc"))
        .env("REDIS_URL", redis_url())
        .env("REDIS_PREFIX", &prefix)
        .env("ENGINE_INSTANCE_ID", &instance)
        .env("DATA_PATH", &data)
        .spawn()
        .expect("engine-svc starts");
    let key = Keys::new(prefix).engine_instance(&instance);
    let mut redis = connect(&redis_url()).await;
    let exists = async |redis: &mut redis::aio::ConnectionManager| -> bool {
        redis::cmd("EXISTS")
            .arg(&key)
            .query_async(redis)
            .await
            .expect("exists")
    };
    assert!(
        eventually(Duration::from_secs(20), async || exists(&mut redis).await).await,
        "the liveness key appears"
    );
    let pid = child
        .id()
        .and_then(|p| i32::try_from(p).ok())
        .and_then(Pid::from_raw);
    kill_process(pid.expect("pid"), Signal::TERM).expect("SIGTERM");
    let status = tokio::time::timeout(Duration::from_secs(40), child.wait())
        .await
        .expect("exits after SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    assert!(!exists(&mut redis).await, "the liveness key is removed");
    let _ = std::fs::remove_dir_all(data);
}
