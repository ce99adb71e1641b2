//! A batch of events and notices in one script: written in order, all or none.

use bus::Publisher;
use bus::publish::Outgoing;
use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::streams::StreamRangeReply;
use shared_schemas::ids::RunId;

use crate::helpers::{TestRedis, tenant};

async fn payloads(conn: &mut redis::aio::ConnectionManager, stream: &str) -> Vec<String> {
    let reply: StreamRangeReply = conn.xrange_all(stream).await.expect("XRANGE works");
    reply
        .ids
        .iter()
        .map(|e| e.get::<String>("data").expect("data"))
        .collect()
}

#[tokio::test]
async fn a_batch_writes_events_and_notices_in_order() {
    let redis = TestRedis::start().await;
    let mut conn = redis.conn();
    let keys = redis.keys.clone();
    let publisher = Publisher::new(redis.conn(), keys.clone(), 1000);
    let (a, b, run) = (tenant(), tenant(), RunId::generate());
    let channel = keys.pipeline_invalidate();
    let mut subscriber = redis.client.get_async_pubsub().await.expect("pub/sub");
    subscriber
        .subscribe(&channel)
        .await
        .expect("SUBSCRIBE works");

    publisher
        .publish_batch(&[
            Outgoing::Event {
                tenant: &a,
                run: None,
                data: "1",
            },
            Outgoing::Notice {
                channel: &channel,
                data: "n",
            },
            Outgoing::Event {
                tenant: &b,
                run: Some(&run),
                data: "2",
            },
            Outgoing::Event {
                tenant: &a,
                run: None,
                data: "3",
            },
        ])
        .await
        .expect("published");

    assert_eq!(
        payloads(&mut conn, &keys.global_events()).await,
        ["1", "2", "3"]
    );
    assert_eq!(
        payloads(&mut conn, &keys.tenant_events(&a)).await,
        ["1", "3"]
    );
    assert_eq!(payloads(&mut conn, &keys.tenant_events(&b)).await, ["2"]);
    assert_eq!(payloads(&mut conn, &keys.run_events(&b, &run)).await, ["2"]);
    let message = subscriber.on_message().next().await.expect("a message");
    assert_eq!(message.get_payload::<String>().expect("text"), "n");
    redis.cleanup().await;
}

#[tokio::test]
async fn one_wrong_typed_key_leaves_the_whole_batch_unwritten() {
    let redis = TestRedis::start().await;
    let mut conn = redis.conn();
    let keys = redis.keys.clone();
    let publisher = Publisher::new(redis.conn(), keys.clone(), 1000);
    let (a, b) = (tenant(), tenant());
    let _: () = conn
        .set(keys.tenant_events(&b), "not a stream")
        .await
        .expect("SET works");

    let err = publisher
        .publish_batch(&[
            Outgoing::Event {
                tenant: &a,
                run: None,
                data: "1",
            },
            Outgoing::Event {
                tenant: &b,
                run: None,
                data: "2",
            },
        ])
        .await
        .expect_err("tenant b's key is a string");

    assert_eq!(err.redis_code(), Some("WRONGTYPE"), "{err}");
    let written: bool = conn.exists(keys.global_events()).await.expect("EXISTS");
    assert!(!written, "nothing of the batch was written");
    let written: bool = conn.exists(keys.tenant_events(&a)).await.expect("EXISTS");
    assert!(!written);
    redis.cleanup().await;
}
