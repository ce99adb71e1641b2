//! The real binary seeds the global pipelines from `PIPELINES_DIR` when it starts.

use std::process::Stdio;
use std::time::{Duration, Instant};

use kit::testing::TestDb;

use crate::pipelines_support::repo_root;

async fn global_ids(db: &TestDb) -> Vec<String> {
    sqlx::query_scalar("select id from engine.pipelines where tenant_id is null order by id")
        .fetch_all(&db.admin)
        .await
        .expect("query")
}

#[tokio::test]
async fn the_binary_seeds_the_global_pipelines_at_start() {
    let db = TestDb::create().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_engine-svc"))
        .arg("serve")
        .env("DJB_DEV_MODE", "true")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", db.url_as("engine_svc"))
        .env("REDIS_URL", kit::testing::redis_url())
        .env(
            "REDIS_PREFIX",
            format!("test-{}", shared_schemas::ids::random_body()),
        )
        .env("AUTH_SECRET_KEY", kit::testing::TEST_AUTH_SECRET)
        .env("PIPELINES_DIR", repo_root().join("pipelines"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start engine-svc");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = global_ids(&db).await;
    while seen.len() < 3 && Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("child status") {
            panic!("engine-svc exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        seen = global_ids(&db).await;
    }
    child.kill().await.expect("stop engine-svc");
    assert_eq!(seen, ["execute", "feature-delivery", "planning"]);
}
