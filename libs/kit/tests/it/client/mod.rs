//! kit's service client against a local server that fails, stalls and recovers.

mod propagation;
mod target;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::IntoResponse;
use kit::ApiError;
use kit::auth::{JwtKeys, PLATFORM_TENANT, TokenKind, TokenUse};
use kit::client::{CallError, ClientSettings, ServiceClient};
use shared_schemas::ids::TenantId;

use self::target::{Answer, Target};

const SECRET: &[u8] = b"client-test-secret-client-test-secret-0123";

/// Fast backoff so tests do not wait; everything else as configured by `adjust`.
fn client(adjust: impl FnOnce(&mut ClientSettings)) -> (ServiceClient, Arc<JwtKeys>) {
    let mut settings = ClientSettings {
        service_client_backoff_ms: 10,
        service_client_backoff_max_ms: 40,
        ..ClientSettings::default()
    };
    adjust(&mut settings);
    let keys = Arc::new(JwtKeys::new("k1", SECRET));
    let client = ServiceClient::new("kit-test", keys.clone(), &settings).expect("client");
    (client, keys)
}

#[tokio::test]
async fn a_get_that_fails_then_recovers_is_retried_to_success() {
    let target = Target::spawn(vec![Answer::Status(500), Answer::Status(503)]).await;
    let (client, _) = client(|s| s.service_client_retries = 2);
    let res = client
        .get(target.url("/v1/x"))
        .send()
        .await
        .expect("retried");
    assert_eq!(res.status(), 200);
    assert_eq!(target.count(), 3);
}

#[tokio::test]
async fn retries_are_bounded_and_end_in_a_503_with_retry_after() {
    let target = Target::spawn(vec![Answer::Status(503); 10]).await;
    let (client, _) = client(|s| s.service_client_retries = 2);
    let err = client
        .get(target.url("/v1/x"))
        .send()
        .await
        .expect_err("keeps failing");
    assert!(matches!(err, CallError::Server { .. }), "{err}");
    assert_eq!(target.count(), 3, "one try and two retries");

    let res = ApiError::from(err).into_response();
    assert!(res.headers().contains_key("retry-after"));
    let (status, body) = json_of(res).await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], "unavailable");
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        !detail.contains("127.0.0.1") && !detail.contains("503"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_post_without_idempotency_key_is_tried_once_and_with_one_is_retried() {
    let target = Target::spawn(vec![Answer::Status(503), Answer::Status(503)]).await;
    let (client, _) = client(|s| s.service_client_retries = 3);
    let err = client
        .post(target.url("/v1/runs"))
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await
        .expect_err("not retried");
    assert!(matches!(err, CallError::Server { .. }), "{err}");
    assert_eq!(target.count(), 1);

    let res = client
        .post(target.url("/v1/runs"))
        .json(&serde_json::json!({"a": 1}))
        .idempotency_key("run_1")
        .send()
        .await
        .expect("retried");
    assert_eq!(res.status(), 200);
    let seen = target.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.method == axum::http::Method::POST));
    assert!(
        seen[1..]
            .iter()
            .all(|s| s.headers["idempotency-key"] == "run_1")
    );
}

#[tokio::test]
async fn a_client_error_is_the_targets_answer_not_a_failure() {
    let target = Target::spawn(vec![Answer::Status(404)]).await;
    let (client, _) = client(|s| s.service_client_retries = 2);
    let res = client
        .get(target.url("/v1/x"))
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), 404);
    assert_eq!(target.count(), 1);
}

#[tokio::test]
async fn a_stalling_server_times_out_within_the_bound() {
    let target = Target::spawn(vec![Answer::Stall(Duration::from_secs(30)); 5]).await;
    let (client, _) = client(|s| {
        s.service_client_timeout_ms = 300;
        s.service_client_retries = 1;
    });
    let started = Instant::now();
    let err = client
        .get(target.url("/v1/slow"))
        .send()
        .await
        .expect_err("times out");
    let took = started.elapsed();
    assert!(matches!(err, CallError::Timeout { .. }), "{err}");
    assert_eq!(target.count(), 2);
    // Two attempts of 300 ms and one backoff of at most 40 ms, with room for a slow machine.
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn the_breaker_opens_fails_fast_and_closes_after_the_cooldown() {
    let target = Target::spawn(vec![Answer::Status(500); 3]).await;
    let (client, _) = client(|s| {
        s.service_client_retries = 0;
        s.service_client_breaker_failures = 3;
        s.service_client_breaker_cooldown_ms = 400;
    });
    let url = target.url("/v1/x");
    for _ in 0..3 {
        let err = client.get(&url).send().await.expect_err("fails");
        assert!(matches!(err, CallError::Server { .. }), "{err}");
    }
    // Open: nothing reaches the server, even though it would answer now.
    for _ in 0..5 {
        let err = client.get(&url).send().await.expect_err("open");
        assert!(matches!(err, CallError::CircuitOpen { .. }), "{err}");
        let res = ApiError::from(err).into_response();
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers()["retry-after"], "1");
    }
    assert_eq!(target.count(), 3);

    tokio::time::sleep(Duration::from_millis(450)).await;
    let res = client.get(&url).send().await.expect("probe passes");
    assert_eq!(res.status(), 200);
    let res = client.get(&url).send().await.expect("closed again");
    assert_eq!(res.status(), 200);
    assert_eq!(target.count(), 5);
}

#[tokio::test]
async fn the_service_token_speaks_for_the_callers_tenant_or_the_platform() {
    let target = Target::spawn(Vec::new()).await;
    let (client, keys) = client(|_| {});
    let tenant = TenantId::parse("ten_caller").expect("tenant");
    client
        .get(target.url("/v1/x"))
        .for_tenant(&tenant)
        .send()
        .await
        .expect("sent");
    client
        .post(target.url("/internal/y"))
        .internal()
        .send()
        .await
        .expect("sent");
    client
        .get(target.url("/health"))
        .send()
        .await
        .expect("sent");

    let seen = target.seen();
    let claims = |i: usize| {
        let value = seen[i].headers["authorization"].to_str().expect("ascii");
        let token = value.strip_prefix("Bearer ").expect("bearer");
        keys.verify(token).expect("signed with the shared key")
    };
    let tenant_claims = claims(0);
    assert_eq!(tenant_claims.tenant_id, tenant);
    assert_eq!(tenant_claims.kind, TokenKind::Service);
    assert_eq!(tenant_claims.token_use, TokenUse::Access);
    assert_eq!(tenant_claims.sub, "svc:kit-test");
    assert!(tenant_claims.exp <= tenant_claims.iat + 60, "short-lived");
    let internal = claims(1);
    assert_eq!(internal.tenant_id.as_str(), PLATFORM_TENANT);
    assert_eq!(internal.token_use, TokenUse::Internal);
    assert!(!seen[2].headers.contains_key("authorization"));
}

async fn json_of(res: axum::response::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .expect("body");
    (status, serde_json::from_slice(&bytes).expect("json"))
}
