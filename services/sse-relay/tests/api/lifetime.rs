//! How streams end: token expiry, tenant suspension, a stalled client (without delaying a fast
//! one), shutdown; caps; one reader per stream per replica.

use std::time::Duration;

use kit::auth::status::TenantState;
use kit::{Claims, TokenKind};
use serde_json::json;

use crate::support::{open, relay, relay_with};

#[tokio::test]
async fn a_stream_closes_when_its_token_expires() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let claims = Claims::access(
        "usr_a",
        a.id.clone(),
        TokenKind::User,
        Duration::from_secs(2),
    );
    let token = r.app.mint(&claims);
    let mut s = open(&r.url("/v1/events/stream"), &token).await;
    assert_eq!(s.status, 200);
    let tail = s
        .ends_within(Duration::from_secs(5))
        .await
        .expect("closed at expiry");
    let last = tail
        .iter()
        .rev()
        .find(|f| f.event.as_deref() == Some("error"))
        .expect("error frame");
    assert_eq!(last.json()["code"], "token_expired");
}

#[tokio::test]
async fn a_stream_closes_within_seconds_of_its_tenant_being_suspended() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let b = r.app.tenant("b").await;
    let mut sa = open(&r.url("/v1/events/stream"), &a.token).await;
    let mut sb = open(&r.url("/v1/events/stream"), &b.token).await;
    // As auth-svc does (the relay's own Redis user may only read statuses).
    let auth = kit::Platform {
        redis: r.producer.clone(),
        ..r.app.platform.clone()
    };
    kit::auth::status::publish(&auth, &a.id, TenantState::Suspended)
        .await
        .expect("suspend");
    let tail = sa
        .ends_within(Duration::from_secs(5))
        .await
        .expect("closed on suspension");
    assert!(
        tail.iter().any(|f| f.data.contains("tenant_closed")),
        "{tail:?}"
    );
    // B is untouched.
    let id = r
        .publish(&b.id, None, json!({"type": "PROJECT_UPDATED"}))
        .await;
    assert_eq!(
        sb.next(Duration::from_secs(5))
            .await
            .expect("b still streams")
            .id,
        Some(id)
    );
    // A new stream of the suspended tenant is refused outright.
    assert_eq!(
        open(&r.url("/v1/events/stream"), &a.token).await.status,
        403
    );
}

#[tokio::test]
async fn a_stalled_client_is_cut_without_delaying_a_fast_one() {
    let r = relay_with(|c| c.sse_buffer = 8).await;
    let a = r.app.tenant("a").await;
    r.publish(&a.id, Some("run_big"), json!({"type": "RUN_CREATED"}))
        .await;
    let url = r.url("/v1/events/stream/run_big?since=$");
    let stalled = open(&url, &a.token).await; // never read
    let mut fast = open(&url, &a.token).await;
    let chunk = "x".repeat(64 * 1024);
    let started = tokio::time::Instant::now();
    let publisher = r.publisher();
    let run = shared_schemas::ids::RunId::parse("run_big".to_owned()).expect("run");
    let mut got = 0;
    for n in 0..300 {
        let event =
            json!({"type": "STEP_OUTPUT", "n": n, "chunk": chunk, "tenantId": a.id.as_str()});
        publisher
            .publish(&a.id, Some(&run), &event)
            .await
            .expect("publish");
        if let Some(frame) = fast.next(Duration::from_secs(5)).await {
            assert_eq!(frame.json()["n"], n);
            got += 1;
        }
    }
    assert_eq!(got, 300, "the fast client got everything");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let mut stalled = stalled;
    let frames = stalled
        .ends_within(Duration::from_secs(10))
        .await
        .expect("the stalled client was cut");
    assert!(frames.len() < 300, "cut before the end: {}", frames.len());
    assert!(
        frames.iter().any(|f| f.data.contains("\"lagged\"")),
        "told why"
    );
}

#[tokio::test]
async fn one_reader_per_stream_shared_by_subscribers_and_gone_with_the_last() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    r.publish(&a.id, Some("run_shared"), json!({"type": "RUN_CREATED"}))
        .await;
    let hub = {
        // the hub of the relay that serves the requests
        let mut streams = Vec::new();
        for _ in 0..5 {
            streams.push(open(&r.url("/v1/events/stream/run_shared"), &a.token).await);
        }
        streams.push(open(&r.url("/v1/events/stream"), &a.token).await);
        let feeds = r.state.hub.feeds();
        assert_eq!(feeds, 2, "five subscribers of one run share one reader");
        streams
    };
    drop(hub);
    let mut left = usize::MAX;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = r.state.hub.feeds();
        if left == 0 {
            break;
        }
    }
    assert_eq!(left, 0, "readers stop when the last subscriber leaves");
}

#[tokio::test]
async fn too_many_streams_per_user_is_429() {
    let r = relay_with(|c| c.sse_max_streams_per_user = 2).await;
    let a = r.app.tenant("a").await;
    let _one = open(&r.url("/v1/events/stream"), &a.token).await;
    let _two = open(&r.url("/v1/events/events"), &a.token).await;
    let three = open(&r.url("/v1/events/llm-calls"), &a.token).await;
    assert_eq!(three.status, 429);
    assert_eq!(three.error_body().await["code"], "too_many_streams");
    drop(_one);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        open(&r.url("/v1/events/llm-calls"), &a.token).await.status,
        200
    );
}

#[tokio::test]
async fn shutdown_ends_every_stream_promptly() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let mut s = open(&r.url("/v1/events/stream"), &a.token).await;
    assert_eq!(s.status, 200);
    r.streams.cancel();
    assert!(
        s.ends_within(Duration::from_secs(3)).await.is_some(),
        "the stream ended"
    );
}

#[tokio::test]
async fn metrics_count_open_streams_and_live_readers() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    r.publish(&a.id, Some("run_m"), json!({"type": "RUN_CREATED"}))
        .await;
    let _one = open(&r.url("/v1/events/stream/run_m"), &a.token).await;
    let _two = open(&r.url("/v1/events/stream/run_m"), &a.token).await;
    let text = reqwest::get(r.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let value = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_owned)
    };
    assert_eq!(value("sse_streams_open").as_deref(), Some("2"), "{text}");
    assert_eq!(value("sse_live_readers").as_deref(), Some("1"), "{text}");
}
