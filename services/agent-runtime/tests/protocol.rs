//! The boot and shutdown handshake against real Redis: commands over pub/sub, every answer on
//! the runtime stream.

use std::time::Duration;

use agent_runtime::{RuntimeConfig, run};
use bus::Keys;
use serde_json::json;
use shared_schemas::ids::{RunId, TenantId};
use shared_schemas::runtime::RuntimeMessage;

fn redis_url() -> String {
    std::env::var("DJB_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:56379/15".to_owned())
}

/// Reads the runtime stream after `last`, one message at a time.
struct Reader {
    conn: redis::aio::MultiplexedConnection,
    key: String,
    last: String,
}

impl Reader {
    async fn next(&mut self) -> RuntimeMessage {
        let reply: redis::streams::StreamReadReply = tokio::time::timeout(
            Duration::from_secs(10),
            redis::cmd("XREAD")
                .arg("COUNT")
                .arg(1)
                .arg("BLOCK")
                .arg(10_000)
                .arg("STREAMS")
                .arg(&self.key)
                .arg(&self.last)
                .query_async(&mut self.conn),
        )
        .await
        .expect("a message within 10 s")
        .expect("xread");
        let entry = reply
            .keys
            .into_iter()
            .next()
            .and_then(|k| k.ids.into_iter().next())
            .expect("one entry");
        self.last = entry.id.clone();
        let data: String = entry.get("data").expect("data field");
        serde_json::from_str(&data).expect("a runtime message")
    }
}

#[tokio::test]
async fn runtime_announces_ready_rejects_unknown_commands_and_exits_on_shutdown() {
    let (tenant, run_id) = (TenantId::generate(), RunId::generate());
    let keys = Keys::new(format!("test-{}", uuid::Uuid::new_v4().simple()));
    let cfg = RuntimeConfig::for_test(tenant.clone(), run_id.clone(), redis_url(), keys.clone());
    let client = redis::Client::open(redis_url()).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis reachable (make test starts it)");
    let mut reader = Reader {
        conn: conn.clone(),
        key: keys.run_runtime(&tenant, &run_id),
        last: "0".into(),
    };
    let commands = keys.run_commands(&tenant, &run_id);
    let runtime = tokio::spawn(run(cfg));
    let RuntimeMessage::Ready(ready) = reader.next().await else {
        panic!("ready first");
    };
    assert_eq!(ready.run_id, run_id);

    let publish = |msg: serde_json::Value| {
        redis::cmd("PUBLISH")
            .arg(&commands)
            .arg(msg.to_string())
            .to_owned()
    };
    publish(json!({"type": "dance", "requestId": "r1"}))
        .query_async::<i64>(&mut conn)
        .await
        .expect("publish");
    let RuntimeMessage::Error(error) = reader.next().await else {
        panic!("an error");
    };
    assert_eq!(
        (error.code.as_deref(), error.request_id.as_deref()),
        (Some("unsupported_command"), Some("r1"))
    );

    publish(json!({"type": "shutdown", "graceful": true}))
        .query_async::<i64>(&mut conn)
        .await
        .expect("publish");
    assert!(matches!(reader.next().await, RuntimeMessage::Exiting(_)));
    let code = tokio::time::timeout(Duration::from_secs(10), runtime)
        .await
        .expect("exits")
        .expect("join")
        .expect("ok");
    assert_eq!(code, 0);
    redis::cmd("DEL")
        .arg(&reader.key)
        .query_async::<i64>(&mut conn)
        .await
        .expect("del");
}
