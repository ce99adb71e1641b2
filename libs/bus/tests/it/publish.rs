use std::collections::HashMap;

use bus::{BusError, Publisher};
use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use redis::streams::StreamRangeReply;
use serde_json::json;
use shared_schemas::ids::RunId;

use crate::helpers::{TestRedis, tenant};

async fn entries(conn: &mut ConnectionManager, stream: &str) -> Vec<(String, String)> {
    let reply: StreamRangeReply = conn.xrange_all(stream).await.expect("XRANGE works");
    reply
        .ids
        .into_iter()
        .map(|entry| {
            assert_eq!(entry.map.len(), 1, "an entry holds only `data`");
            let data: String = entry.get("data").expect("a data field");
            (entry.id, data)
        })
        .collect()
}

async fn exists(conn: &mut ConnectionManager, key: &str) -> bool {
    conn.exists(key).await.expect("EXISTS works")
}

#[tokio::test]
async fn dual_publish_writes_the_same_payload_to_global_tenant_and_run_streams() {
    let redis = TestRedis::start().await;
    let mut conn = redis.conn();
    let keys = redis.keys.clone();
    let publisher = Publisher::new(redis.conn(), keys.clone(), 1000);
    let (tenant, run) = (tenant(), RunId::generate());
    let event = json!({"type": "RUN_COMPLETE", "tenantId": tenant, "runId": run, "timestamp": 1});

    let id = publisher
        .publish(&tenant, Some(&run), &event)
        .await
        .expect("published");

    let global = entries(&mut conn, &keys.global_events()).await;
    assert_eq!(global.len(), 1);
    assert_eq!(global[0].0, id, "the global entry id is returned");
    let payload: serde_json::Value = serde_json::from_str(&global[0].1).expect("JSON");
    assert_eq!(payload, event);
    for stream in [keys.tenant_events(&tenant), keys.run_events(&tenant, &run)] {
        let copy = entries(&mut conn, &stream).await;
        assert_eq!(copy.len(), 1, "{stream}");
        assert_eq!(copy[0].1, global[0].1, "{stream} holds the same payload");
    }

    let other_run = RunId::generate();
    publisher
        .publish(&tenant, None, &json!({"type": "STEP_QUEUED"}))
        .await
        .expect("published");
    assert_eq!(
        entries(&mut conn, &keys.tenant_events(&tenant)).await.len(),
        2
    );
    assert_eq!(
        entries(&mut conn, &keys.run_events(&tenant, &run))
            .await
            .len(),
        1
    );
    assert!(!exists(&mut conn, &keys.run_events(&tenant, &other_run)).await);
    redis.cleanup().await;
}

#[tokio::test]
async fn live_events_reach_the_tenant_and_run_streams_but_never_the_global_one() {
    let redis = TestRedis::start().await;
    let mut conn = redis.conn();
    let keys = redis.keys.clone();
    let publisher = Publisher::new(redis.conn(), keys.clone(), 1000);
    let (tenant, run) = (tenant(), RunId::generate());
    let delta = json!({"type": "STEP_OUTPUT", "tenantId": tenant, "runId": run, "chunk": "hi"});

    publisher
        .publish_live(&tenant, &run, &delta)
        .await
        .expect("published");

    assert!(!exists(&mut conn, &keys.global_events()).await);
    for stream in [keys.tenant_events(&tenant), keys.run_events(&tenant, &run)] {
        let copy = entries(&mut conn, &stream).await;
        assert_eq!(copy.len(), 1, "{stream}");
        let payload: serde_json::Value = serde_json::from_str(&copy[0].1).expect("JSON");
        assert_eq!(payload, delta);
    }
    redis.cleanup().await;
}

#[tokio::test]
async fn a_typed_envelope_goes_to_its_tenant_and_run_streams() {
    use shared_schemas::events::{Decoded, EventEnvelope, decode};
    let redis = TestRedis::start().await;
    let mut conn = redis.conn();
    let keys = redis.keys.clone();
    let publisher = Publisher::new(redis.conn(), keys.clone(), 1000);
    let (tenant, run) = (tenant(), RunId::generate());
    let envelope: EventEnvelope = serde_json::from_value(json!({
        "id": "evt_1", "type": "RUN_FAILED", "tenantId": tenant, "runId": run,
        "timestamp": 5, "error": "boom"
    }))
    .expect("a valid RUN_FAILED envelope");
    publisher.publish_event(&envelope).await.expect("published");
    let copy = entries(&mut conn, &keys.run_events(&tenant, &run)).await;
    assert_eq!(copy.len(), 1);
    match decode(&copy[0].1).expect("decodes") {
        Decoded::Known(back) => assert_eq!(back, envelope),
        Decoded::Unknown(raw) => panic!("unexpected unknown event {raw:?}"),
    }
    assert_eq!(
        entries(&mut conn, &keys.tenant_events(&tenant)).await.len(),
        1
    );
    redis.cleanup().await;
}

#[tokio::test]
async fn streams_stay_near_maxlen() {
    let redis = TestRedis::start().await;
    let mut conn = redis.conn();
    let keys = redis.keys.clone();
    let maxlen = 20;
    let publisher = Publisher::new(redis.conn(), keys.clone(), maxlen);
    let tenant = tenant();

    for n in 0..600 {
        publisher
            .publish(&tenant, None, &json!({"n": n}))
            .await
            .expect("published");
    }

    // `MAXLEN ~` only drops whole nodes, so up to one node's worth of extra entries remain.
    let config: HashMap<String, usize> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("stream-node-max-entries")
        .query_async(&mut conn)
        .await
        .expect("CONFIG GET works");
    let node = config["stream-node-max-entries"];
    for stream in [keys.global_events(), keys.tenant_events(&tenant)] {
        let len: usize = conn.xlen(&stream).await.expect("XLEN works");
        assert!(
            (maxlen..maxlen + node).contains(&len),
            "{stream} holds {len} entries"
        );
    }
    redis.cleanup().await;
}

#[tokio::test]
async fn a_wrong_typed_tenant_key_leaves_every_stream_untouched() {
    let redis = TestRedis::start().await;
    let mut conn = redis.conn();
    let keys = redis.keys.clone();
    let publisher = Publisher::new(redis.conn(), keys.clone(), 1000);
    let (tenant, run) = (tenant(), RunId::generate());
    let _: () = conn
        .set(keys.tenant_events(&tenant), "not a stream")
        .await
        .expect("SET works");

    let err = publisher
        .publish(&tenant, Some(&run), &json!({"type": "RUN_COMPLETE"}))
        .await
        .expect_err("the tenant key is a string");

    assert!(matches!(err, BusError::Redis(_)), "{err}");
    assert_eq!(err.redis_code(), Some("WRONGTYPE"), "{err}");
    assert!(!exists(&mut conn, &keys.global_events()).await);
    assert!(!exists(&mut conn, &keys.run_events(&tenant, &run)).await);
    redis.cleanup().await;
}

/// Why publishing is a script: Redis runs the rest of a `MULTI` when one command fails at
/// execution time, so a transaction would leave the global stream written.
#[tokio::test]
async fn multi_exec_would_write_the_global_stream_despite_a_failing_tenant_write() {
    let redis = TestRedis::start().await;
    let mut conn = redis.conn();
    let keys = redis.keys.clone();
    let tenant = tenant();
    let _: () = conn
        .set(keys.tenant_events(&tenant), "not a stream")
        .await
        .expect("SET works");

    let result: redis::RedisResult<(String, String)> = redis::pipe()
        .atomic()
        .xadd(keys.global_events(), "*", &[("data", "{}")])
        .xadd(keys.tenant_events(&tenant), "*", &[("data", "{}")])
        .query_async(&mut conn)
        .await;

    assert!(result.is_err(), "the tenant XADD fails");
    let global_len: usize = conn.xlen(keys.global_events()).await.expect("XLEN works");
    assert_eq!(global_len, 1, "EXEC ran the global XADD anyway");
    redis.cleanup().await;
}

#[tokio::test]
async fn publish_channel_sends_json_to_subscribers() {
    let redis = TestRedis::start().await;
    let keys = redis.keys.clone();
    let publisher = Publisher::new(redis.conn(), keys.clone(), 1000);
    let channel = keys.pipeline_invalidate();
    let mut subscriber = redis
        .client
        .get_async_pubsub()
        .await
        .expect("pub/sub connection");
    subscriber
        .subscribe(&channel)
        .await
        .expect("SUBSCRIBE works");

    let receivers = publisher
        .publish_channel(&channel, &json!({"pipelineId": "pl"}))
        .await
        .expect("published");

    assert_eq!(receivers, 1);
    let message = subscriber.on_message().next().await.expect("a message");
    let payload: String = message.get_payload().expect("text payload");
    assert_eq!(payload, r#"{"pipelineId":"pl"}"#);
    redis.cleanup().await;
}
