//! Several handlers at once: the limit holds, nothing runs twice, acknowledgements do not wait
//! for the next read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bus::{StreamEntry, Worker};
use serde_json::json;
use tokio::sync::Barrier;
use tokio_util::sync::CancellationToken;

use crate::helpers::{eventually, pending, tenant, worker_setup};

#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
    runs: Mutex<HashMap<String, u32>>,
}

impl Gauge {
    fn enter(&self, id: &str) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        *self
            .runs
            .lock()
            .expect("not poisoned")
            .entry(id.to_owned())
            .or_default() += 1;
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    fn handled(&self) -> HashMap<String, u32> {
        self.runs.lock().expect("not poisoned").clone()
    }
}

#[tokio::test]
async fn handlers_run_together_up_to_the_limit_and_each_entry_once() {
    let (redis, conn, keys, stream, group, publisher) = worker_setup().await;
    let gauge = Arc::new(Gauge::default());
    // Each handler waits until three of them run at once: one at a time this never ends.
    let together = Arc::new(Barrier::new(3));
    let shutdown = CancellationToken::new();
    let worker = Worker::new(redis.client.clone(), &keys, &stream, &group)
        .consumer("engine-wide")
        .concurrency(3)
        .batch_size(2)
        .block(Duration::from_millis(200));
    let handler = {
        let (gauge, together) = (gauge.clone(), together.clone());
        move |entry: StreamEntry| {
            let (gauge, together) = (gauge.clone(), together.clone());
            async move {
                gauge.enter(&entry.id);
                together.wait().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                gauge.leave();
                Ok::<(), String>(())
            }
        }
    };
    let task = tokio::spawn(worker.run(handler, shutdown.clone()));
    for n in 0..9 {
        publisher
            .publish(&tenant(), None, &json!({"n": n}))
            .await
            .expect("published");
    }

    eventually("nine entries handled and acknowledged", || {
        let (gauge, mut conn) = (gauge.clone(), conn.clone());
        let (stream, group) = (stream.clone(), group.clone());
        async move { gauge.handled().len() == 9 && pending(&mut conn, &stream, &group).await == 0 }
    })
    .await;
    shutdown.cancel();
    task.await.expect("worker task").expect("worker ran");

    assert_eq!(
        gauge.peak.load(Ordering::SeqCst),
        3,
        "never more than the limit"
    );
    let repeated: Vec<_> = gauge
        .handled()
        .into_iter()
        .filter(|(_, n)| *n != 1)
        .collect();
    assert!(repeated.is_empty(), "handled more than once: {repeated:?}");
    redis.cleanup().await;
}

#[tokio::test]
async fn an_entry_ending_while_the_worker_waits_for_new_ones_is_acknowledged_at_once() {
    let (redis, mut conn, keys, stream, group, publisher) = worker_setup().await;
    let shutdown = CancellationToken::new();
    // A read blocks for 30 s; the acknowledgement must not wait for it to return.
    let worker = Worker::new(redis.client.clone(), &keys, &stream, &group)
        .consumer("engine-patient")
        .concurrency(2)
        .block(Duration::from_secs(30))
        .reclaim_idle(Duration::from_secs(120));
    let started = CancellationToken::new();
    let handler = {
        let started = started.clone();
        move |_entry: StreamEntry| {
            let started = started.clone();
            async move {
                started.cancel();
                tokio::time::sleep(Duration::from_millis(300)).await;
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

    eventually("the entry acknowledged during the next read", || {
        let mut conn = conn.clone();
        let (stream, group) = (stream.clone(), group.clone());
        async move { pending(&mut conn, &stream, &group).await == 0 }
    })
    .await;
    shutdown.cancel();
    task.await.expect("worker task").expect("worker ran");
    assert_eq!(pending(&mut conn, &stream, &group).await, 0);
    redis.cleanup().await;
}
