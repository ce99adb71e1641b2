//! The boot and shutdown handshake against real Redis.

use std::time::Duration;

use agent_runtime::{RuntimeConfig, run};
use bus::Keys;
use futures_util::StreamExt;
use serde_json::{Value, json};
use shared_schemas::ids::{RunId, TenantId};

fn redis_url() -> String {
    std::env::var("DJB_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:56379/15".to_owned())
}

#[tokio::test]
async fn runtime_announces_ready_rejects_unknown_commands_and_exits_on_shutdown() {
    let cfg = RuntimeConfig {
        tenant: TenantId::generate(),
        run: RunId::generate(),
        redis_url: redis_url(),
        keys: Keys::new(format!("test-{}", uuid::Uuid::new_v4().simple())),
    };
    let client = redis::Client::open(redis_url()).expect("client");
    let mut statuses = client
        .get_async_pubsub()
        .await
        .expect("redis reachable (make test starts it)");
    statuses
        .subscribe(cfg.keys.run_status(&cfg.tenant, &cfg.run))
        .await
        .expect("subscribe");
    let commands = cfg.keys.run_commands(&cfg.tenant, &cfg.run);
    let runtime = tokio::spawn(run(cfg.clone()));
    let mut stream = statuses.into_on_message();
    let mut next = async || -> Value {
        let msg = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a status within 10 s")
            .expect("stream open");
        serde_json::from_str(&msg.get_payload::<String>().expect("text")).expect("json")
    };
    let ready = next().await;
    assert_eq!(ready["type"], "ready");
    assert_eq!(ready["runId"], cfg.run.as_str());

    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("conn");
    let publish = |msg: Value| {
        redis::cmd("PUBLISH")
            .arg(&commands)
            .arg(msg.to_string())
            .to_owned()
    };
    publish(json!({"type": "agentStep", "requestId": "r1", "prompt": "hi"}))
        .query_async::<i64>(&mut conn)
        .await
        .expect("publish");
    let error = next().await;
    assert_eq!(
        (error["type"].as_str(), error["requestId"].as_str()),
        (Some("error"), Some("r1"))
    );

    publish(json!({"type": "shutdown", "graceful": true}))
        .query_async::<i64>(&mut conn)
        .await
        .expect("publish");
    assert_eq!(next().await["type"], "exiting");
    let code = tokio::time::timeout(Duration::from_secs(10), runtime)
        .await
        .expect("exits")
        .expect("join")
        .expect("ok");
    assert_eq!(code, 0);
}
