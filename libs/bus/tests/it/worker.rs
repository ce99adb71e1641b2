use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bus::{StreamEntry, Worker};
use redis::AsyncCommands;
use redis::streams::{StreamRangeReply, StreamReadOptions, StreamReadReply};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::helpers::{eventually, pending, tenant, worker_setup};

/// Entry ids (or payloads) a handler saw, with how often.
type Seen = Arc<Mutex<HashMap<String, u32>>>;

fn record(seen: &Seen, key: String) {
    *seen.lock().expect("not poisoned").entry(key).or_default() += 1;
}

fn snapshot(seen: &Seen) -> HashMap<String, u32> {
    seen.lock().expect("not poisoned").clone()
}

/// Runs `worker` with a handler counting entry ids in `seen` and its consumer id in `by`.
fn spawn_counting(
    worker: Worker,
    seen: &Seen,
    by: &Seen,
    shutdown: &CancellationToken,
) -> JoinHandle<Result<(), bus::BusError>> {
    let (seen, by) = (seen.clone(), by.clone());
    let consumer = worker.consumer_id().to_owned();
    let handler = move |entry: StreamEntry| {
        let (seen, by, consumer) = (seen.clone(), by.clone(), consumer.clone());
        async move {
            record(&seen, entry.id);
            record(&by, consumer);
            // Slow enough that one worker cannot drain the stream before the others start.
            tokio::time::sleep(Duration::from_millis(2)).await;
            Ok::<(), String>(())
        }
    };
    tokio::spawn(worker.run(handler, shutdown.clone()))
}

async fn stop(shutdown: CancellationToken, workers: Vec<JoinHandle<Result<(), bus::BusError>>>) {
    shutdown.cancel();
    for worker in workers {
        worker.await.expect("worker task").expect("worker ran");
    }
}

#[tokio::test]
async fn three_workers_handle_each_entry_exactly_once() {
    let (redis, mut conn, keys, stream, group, publisher) = worker_setup().await;
    let tenant = tenant();
    let (seen, by) = (Seen::default(), Seen::default());
    let shutdown = CancellationToken::new();

    let workers: Vec<_> = (0..3)
        .map(|n| {
            let worker = Worker::new(redis.client.clone(), &keys, &stream, &group)
                .consumer(format!("engine-{n}"))
                .batch_size(7)
                .block(Duration::from_millis(200));
            spawn_counting(worker, &seen, &by, &shutdown)
        })
        .collect();
    let mut published = BTreeSet::new();
    for n in 0..300 {
        let id = publisher
            .publish(&tenant, None, &json!({"n": n}))
            .await
            .expect("published");
        published.insert(id);
    }

    eventually("all 300 entries handled and acknowledged", || {
        let (seen, mut conn) = (seen.clone(), conn.clone());
        let (stream, group) = (stream.clone(), group.clone());
        async move { snapshot(&seen).len() == 300 && pending(&mut conn, &stream, &group).await == 0 }
    })
    .await;
    stop(shutdown, workers).await;

    let seen = snapshot(&seen);
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), published);
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
    assert!(repeated.is_empty(), "handled more than once: {repeated:?}");
    let by = snapshot(&by);
    assert!(by.len() >= 2, "the group shared the work: {by:?}");
    assert_eq!(pending(&mut conn, &stream, &group).await, 0);
    redis.cleanup().await;
}

#[tokio::test]
async fn entries_of_a_consumer_that_died_before_acking_are_taken_over() {
    let (redis, mut conn, keys, stream, group, publisher) = worker_setup().await;
    let tenant = tenant();
    let _: () = conn
        .xgroup_create_mkstream(&stream, &group, "0")
        .await
        .expect("group created");
    let mut published = BTreeSet::new();
    for n in 0..10 {
        let id = publisher
            .publish(&tenant, None, &json!({"n": n}))
            .await
            .expect("published");
        published.insert(id);
    }
    // The doomed consumer reads everything and never acknowledges.
    let options = StreamReadOptions::default()
        .group(&group, "engine-dead")
        .count(100);
    let read: StreamReadReply = conn
        .xread_options(&[&stream], &[">"], &options)
        .await
        .expect("XREADGROUP works");
    assert_eq!(read.keys[0].ids.len(), 10);
    assert_eq!(pending(&mut conn, &stream, &group).await, 10);

    let seen = Seen::default();
    let shutdown = CancellationToken::new();
    let worker = Worker::new(redis.client.clone(), &keys, &stream, &group)
        .consumer("engine-heir")
        .reclaim_idle(Duration::from_millis(200))
        .block(Duration::from_millis(100));
    let workers = vec![spawn_counting(worker, &seen, &Seen::default(), &shutdown)];

    eventually("the dead consumer's entries handled and acknowledged", || {
        let (seen, mut conn) = (seen.clone(), conn.clone());
        let (stream, group) = (stream.clone(), group.clone());
        async move { snapshot(&seen).len() == 10 && pending(&mut conn, &stream, &group).await == 0 }
    })
    .await;
    stop(shutdown, workers).await;

    let seen = snapshot(&seen);
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), published);
    redis.cleanup().await;
}

#[tokio::test]
async fn an_entry_failing_max_deliveries_times_goes_to_the_dead_letter_stream() {
    let (redis, mut conn, keys, stream, group, publisher) = worker_setup().await;
    let dead_letter = keys.dead_letter(&stream);
    let event = json!({"type": "RUN_COMPLETE", "n": 1});
    let id = publisher
        .publish(&tenant(), None, &event)
        .await
        .expect("published");

    let attempts = Seen::default();
    let shutdown = CancellationToken::new();
    let worker = Worker::new(redis.client.clone(), &keys, &stream, &group)
        .consumer("engine-unlucky")
        .max_deliveries(3)
        .reclaim_idle(Duration::from_millis(100))
        .block(Duration::from_millis(50));
    let handler = {
        let attempts = attempts.clone();
        move |entry: StreamEntry| {
            let attempts = attempts.clone();
            async move {
                record(&attempts, entry.id);
                Err::<(), _>("boom")
            }
        }
    };
    let task = tokio::spawn(worker.run(handler, shutdown.clone()));

    eventually("the entry reaches the dead-letter stream", || {
        let (mut conn, dead_letter) = (conn.clone(), dead_letter.clone());
        async move { conn.xlen::<_, usize>(&dead_letter).await.unwrap_or(0) == 1 }
    })
    .await;
    stop(shutdown, vec![task]).await;

    let buried: StreamRangeReply = conn.xrange_all(&dead_letter).await.expect("XRANGE");
    let buried = &buried.ids[0];
    let field = |name: &str| buried.get::<String>(name).unwrap_or_default();
    let data: serde_json::Value = serde_json::from_str(&field("data")).expect("original data");
    assert_eq!(data, event);
    assert_eq!(field("source_stream"), stream);
    assert_eq!(field("source_id"), id);
    assert_eq!(field("deliveries"), "3");
    assert_eq!(field("error"), "boom");
    assert_eq!(snapshot(&attempts).get(&id), Some(&3));
    assert_eq!(pending(&mut conn, &stream, &group).await, 0);
    redis.cleanup().await;
}

#[tokio::test]
async fn an_entry_whose_consumers_keep_dying_is_buried_without_running_the_handler() {
    let (redis, mut conn, keys, stream, group, publisher) = worker_setup().await;
    let dead_letter = keys.dead_letter(&stream);
    let _: () = conn
        .xgroup_create_mkstream(&stream, &group, "0")
        .await
        .expect("group created");
    let id = publisher
        .publish(&tenant(), None, &json!({"poison": true}))
        .await
        .expect("published");
    let options = StreamReadOptions::default().group(&group, "engine-crashed");
    let _: StreamReadReply = conn
        .xread_options(&[&stream], &[">"], &options)
        .await
        .expect("XREADGROUP works");

    let calls = Seen::default();
    let shutdown = CancellationToken::new();
    let worker = Worker::new(redis.client.clone(), &keys, &stream, &group)
        .consumer("engine-careful")
        .max_deliveries(1)
        .reclaim_idle(Duration::from_millis(100))
        .block(Duration::from_millis(50));
    let workers = vec![spawn_counting(worker, &calls, &Seen::default(), &shutdown)];

    eventually("the entry reaches the dead-letter stream", || {
        let (mut conn, dead_letter) = (conn.clone(), dead_letter.clone());
        async move { conn.xlen::<_, usize>(&dead_letter).await.unwrap_or(0) == 1 }
    })
    .await;
    stop(shutdown, workers).await;

    let buried: StreamRangeReply = conn.xrange_all(&dead_letter).await.expect("XRANGE");
    let buried = &buried.ids[0];
    assert_eq!(buried.get::<String>("source_id"), Some(id));
    assert_eq!(buried.get::<String>("deliveries").as_deref(), Some("2"));
    assert!(
        !buried.contains_key("error"),
        "no handler ran, so no error is known"
    );
    assert!(
        snapshot(&calls).is_empty(),
        "the handler never saw the entry"
    );
    assert_eq!(pending(&mut conn, &stream, &group).await, 0);
    redis.cleanup().await;
}

/// What is removed under a running worker.
#[derive(Debug, Clone, Copy)]
enum Sabotage {
    DeleteStream,
    DestroyGroup,
}

#[tokio::test]
async fn a_stream_deleted_under_a_running_worker_is_consumed_again() {
    keeps_consuming_after(Sabotage::DeleteStream).await;
}

#[tokio::test]
async fn a_group_destroyed_under_a_running_worker_is_recreated() {
    keeps_consuming_after(Sabotage::DestroyGroup).await;
}

async fn keeps_consuming_after(sabotage: Sabotage) {
    let (redis, mut conn, keys, stream, group, publisher) = worker_setup().await;
    let tenant = tenant();
    let seen = Seen::default();
    let shutdown = CancellationToken::new();
    let worker = Worker::new(redis.client.clone(), &keys, &stream, &group)
        .consumer("engine-survivor")
        .block(Duration::from_millis(200));
    let handler = {
        let seen = seen.clone();
        move |entry: StreamEntry| {
            let seen = seen.clone();
            async move {
                let event: serde_json::Value = entry.json().map_err(|err| err.to_string())?;
                record(&seen, event["n"].to_string());
                Ok::<(), String>(())
            }
        }
    };
    let task = tokio::spawn(worker.run(handler, shutdown.clone()));
    let handled = |n: &'static str| {
        let seen = seen.clone();
        move || {
            let seen = seen.clone();
            async move { snapshot(&seen).contains_key(n) }
        }
    };

    publisher
        .publish(&tenant, None, &json!({"n": 1}))
        .await
        .expect("published");
    eventually("the first event handled", handled("1")).await;
    match sabotage {
        Sabotage::DeleteStream => {
            let _: usize = conn.del(&stream).await.expect("DEL works");
        }
        Sabotage::DestroyGroup => {
            let _: bool = conn
                .xgroup_destroy(&stream, &group)
                .await
                .expect("XGROUP DESTROY works");
        }
    }
    publisher
        .publish(&tenant, None, &json!({"n": 2}))
        .await
        .expect("published");
    eventually("the event after the sabotage handled", handled("2")).await;
    stop(shutdown, vec![task]).await;
    redis.cleanup().await;
}

#[tokio::test]
async fn shutdown_finishes_the_entry_in_hand_and_leaves_the_group() {
    let (redis, mut conn, keys, stream, group, publisher) = worker_setup().await;
    let shutdown = CancellationToken::new();
    let started = CancellationToken::new();
    let finish = CancellationToken::new();
    let worker = Worker::new(redis.client.clone(), &keys, &stream, &group)
        .consumer("engine-leaving")
        .block(Duration::from_millis(100));
    let handler = {
        let (started, finish) = (started.clone(), finish.clone());
        move |_entry: StreamEntry| {
            let (started, finish) = (started.clone(), finish.clone());
            async move {
                started.cancel();
                finish.cancelled().await;
                Ok::<(), String>(())
            }
        }
    };
    let task = tokio::spawn(worker.run(handler, shutdown.clone()));
    publisher
        .publish(&tenant(), None, &json!({"n": 1}))
        .await
        .expect("published");
    tokio::time::timeout(Duration::from_secs(10), started.cancelled())
        .await
        .expect("the handler started");

    shutdown.cancel();
    assert_eq!(
        pending(&mut conn, &stream, &group).await,
        1,
        "still in hand"
    );
    finish.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the worker returned")
        .expect("worker task")
        .expect("worker ran");

    assert_eq!(pending(&mut conn, &stream, &group).await, 0, "acknowledged");
    let consumers: redis::streams::StreamInfoConsumersReply = conn
        .xinfo_consumers(&stream, &group)
        .await
        .expect("XINFO CONSUMERS works");
    assert!(consumers.consumers.is_empty(), "the consumer left");
    redis.cleanup().await;
}
