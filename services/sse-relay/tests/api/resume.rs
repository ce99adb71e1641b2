//! Resume: `Last-Event-ID` over `?since=`, replay then live with no gap and no duplicate, on
//! another replica too; a trimmed id gets `stream_reset`.

use std::time::Duration;

use serde_json::json;

use crate::support::{open, open_with, relay, replica};

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn resume_on_another_replica_delivers_exactly_the_missed_entries_across_the_live_boundary() {
    let one = relay().await;
    let two = replica(&one).await;
    let a = one.app.tenant("a").await;
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            one.publish(
                &a.id,
                Some("run_r"),
                json!({"type": "STEP_OUTPUT", "runId": "run_r", "n": n}),
            )
            .await,
        );
    }
    // The client saw up to n=3 on replica one, then reconnects to replica two while the
    // producer keeps writing: the replay and the live entries must join exactly.
    let producer = {
        let publisher = one.publisher();
        let tenant = a.id.clone();
        tokio::spawn(async move {
            let run = shared_schemas::ids::RunId::parse("run_r".to_owned()).expect("run");
            for n in 10..60 {
                let event = json!({"type": "STEP_OUTPUT", "runId": "run_r", "n": n, "tenantId": tenant.as_str()});
                publisher
                    .publish(&tenant, Some(&run), &event)
                    .await
                    .expect("publish");
                if n % 10 == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        })
    };
    let url = two.url("/v1/events/stream/run_r?since=0");
    let mut s = open_with(&url, Some(&a.token), Some(&ids[3])).await;
    assert_eq!(s.status, 200);
    let frames = s.take(56).await;
    producer.await.expect("producer");
    let seen: Vec<i64> = frames
        .iter()
        .map(|f| f.json()["n"].as_i64().expect("n"))
        .collect();
    assert_eq!(
        seen,
        (4..60).collect::<Vec<_>>(),
        "Last-Event-ID wins over since=0, no gap, no dup"
    );
    assert_eq!(frames[0].id.as_deref(), Some(ids[4].as_str()));
    assert_eq!(
        s.next(Duration::from_millis(300)).await,
        None,
        "nothing twice"
    );
}

#[tokio::test]
async fn since_resumes_when_no_last_event_id_is_sent() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            r.publish(&a.id, None, json!({"type": "PROJECT_UPDATED", "n": n}))
                .await,
        );
    }
    let mut s = open(
        &r.url(&format!("/v1/events/stream?since={}", ids[0])),
        &a.token,
    )
    .await;
    let got: Vec<_> = s
        .take(2)
        .await
        .iter()
        .map(|f| f.id.clone().unwrap_or_default())
        .collect();
    assert_eq!(got, ids[1..]);
    // `$`: live only.
    let mut live = open(&r.url("/v1/events/stream?since=$"), &a.token).await;
    let next = r
        .publish(&a.id, None, json!({"type": "PROJECT_UPDATED", "n": 3}))
        .await;
    assert_eq!(live.next(WAIT).await.expect("live").id, Some(next));
}

#[tokio::test]
async fn an_id_older_than_what_is_retained_gets_stream_reset_then_live() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let key = r.app.platform.keys.tenant_events(&a.id);
    let old = r
        .publish(&a.id, None, json!({"type": "PROJECT_UPDATED", "n": 0}))
        .await;
    for n in 1..5 {
        r.publish(&a.id, None, json!({"type": "PROJECT_UPDATED", "n": n}))
            .await;
    }
    let _: i64 = redis::cmd("XTRIM")
        .arg(&key)
        .arg("MAXLEN")
        .arg(2)
        .query_async(&mut r.producer.clone())
        .await
        .expect("trim");
    let newest = r.last_id(&key).await;
    let mut s = open_with(&r.url("/v1/events/stream"), Some(&a.token), Some(&old)).await;
    assert_eq!(s.status, 200);
    let reset = s.next(WAIT).await.expect("reset");
    let body = reset.json();
    assert_eq!(body["type"], "stream_reset");
    assert_eq!(body["lastEventId"], old.as_str());
    assert!(body["firstId"].is_string(), "{body}");
    assert_eq!(
        reset.id.as_deref(),
        Some(newest.as_str()),
        "the reset carries the id to resume from"
    );
    let live = r
        .publish(&a.id, None, json!({"type": "PROJECT_UPDATED", "n": 5}))
        .await;
    assert_eq!(s.next(WAIT).await.expect("live").id, Some(live));
    // An id still retained resumes normally.
    let mut ok = open_with(&r.url("/v1/events/stream"), Some(&a.token), Some(&newest)).await;
    assert_eq!(ok.next(WAIT).await.expect("after newest").json()["n"], 5);
}

#[tokio::test]
async fn a_malformed_resume_point_is_a_clear_4xx() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let s = open(&r.url("/v1/events/stream?since=yesterday"), &a.token).await;
    assert_eq!(s.status, 422);
    assert_eq!(s.error_body().await["code"], "validation_failed");
    let s = open_with(
        &r.url("/v1/events/stream"),
        Some(&a.token),
        Some("not-an-id"),
    )
    .await;
    assert_eq!(s.status, 400);
    assert_eq!(s.error_body().await["code"], "invalid_last_event_id");
}

#[tokio::test]
async fn event_streams_are_trimmed_by_age_and_a_client_behind_them_is_reset() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let key = r.app.platform.keys.tenant_events(&a.id);
    let run_key = r
        .app
        .platform
        .keys
        .run_events(&a.id, &"run_old".parse().expect("run"));
    // Entries from long ago (explicit ids; many, since `MINID ~` trims whole radix-tree
    // nodes), then a fresh one.
    for stream in [&key, &run_key] {
        for n in 1..300 {
            let _: String = redis::cmd("XADD")
                .arg(stream)
                .arg(format!("{n}000-0"))
                .arg("data")
                .arg("{}")
                .query_async(&mut r.producer.clone())
                .await
                .expect("old entry");
        }
    }
    let fresh = r
        .publish(&a.id, None, json!({"type": "PROJECT_UPDATED"}))
        .await;
    let removed =
        sse_relay::workers::retention::trim_once(&r.app.platform, Duration::from_secs(24 * 3600))
            .await
            .expect("trim");
    assert!(removed >= 400, "removed {removed}");
    let mut s = open_with(&r.url("/v1/events/stream"), Some(&a.token), Some("1000-0")).await;
    let first = s.next(WAIT).await.expect("first frame");
    assert_eq!(first.json()["type"], "stream_reset", "{first:?}");
    assert_eq!(r.last_id(&key).await, fresh, "the fresh entry is kept");
}
