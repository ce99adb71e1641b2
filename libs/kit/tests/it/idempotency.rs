//! Idempotency-Key on POST.

use kit::auth::TokenKind;
use kit::testing::json;
use serde_json::json as j;
use shared_schemas::ids::TenantId;

use crate::app::spawn;

#[tokio::test]
async fn same_key_and_body_replays_the_stored_response() {
    let (app, created) = spawn().await;
    let tenant = TenantId::generate();
    let token = app.token(&tenant, "usr_1", TokenKind::User);
    let send = || {
        app.client
            .post_json("/v1/items", &token, &j!({"name": "a"}))
            .header("idempotency-key", "k-1")
            .send()
    };
    let first = send().await.expect("send");
    assert!(first.headers().get("idempotent-replayed").is_none());
    let (s1, b1) = json(first).await;
    let second = send().await.expect("send");
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let (s2, b2) = json(second).await;
    assert_eq!((s1, &b1), (201, &j!({"name": "a", "n": 1})));
    assert_eq!((s2, b2), (s1, b1));
    assert_eq!(
        created.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "handler ran once"
    );
}

#[tokio::test]
async fn same_key_with_a_different_body_is_422() {
    let (app, created) = spawn().await;
    let token = app.token(&TenantId::generate(), "usr_1", TokenKind::User);
    let post = |name: &str| {
        app.client
            .post_json("/v1/items", &token, &j!({"name": name}))
            .header("idempotency-key", "k-2")
            .send()
    };
    assert_eq!(post("a").await.expect("send").status(), 201);
    let (status, body) = json(post("b").await.expect("send")).await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "idempotency_key_reused");
    assert_eq!(created.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn keys_are_scoped_to_the_caller_and_optional() {
    let (app, created) = spawn().await;
    let t1 = app.token(&TenantId::generate(), "usr_1", TokenKind::User);
    let t2 = app.token(&TenantId::generate(), "usr_1", TokenKind::User);
    for token in [&t1, &t2] {
        let res = app
            .client
            .post_json("/v1/items", token, &j!({"name": "a"}))
            .header("idempotency-key", "shared")
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 201);
    }
    let res = app
        .client
        .post_json("/v1/items", &t1, &j!({"name": "a"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 201);
    assert_eq!(created.load(std::sync::atomic::Ordering::SeqCst), 3);
    let res = app
        .client
        .post_json("/v1/items", &t1, &j!({"name": "a"}))
        .header("idempotency-key", "x".repeat(300))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
}

/// Every idempotency record stored under the test's prefix (the test's own keys only).
async fn stored_values(app: &kit::testing::TestApp) -> Vec<String> {
    let mut conn = app.platform.redis.clone();
    let pattern = format!("{}:*", app.platform.keys.prefix());
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut conn)
        .await
        .expect("keys");
    let mut values = Vec::new();
    for key in keys.iter().filter(|k| k.contains(":idempotency:")) {
        if let Ok(Some(v)) = redis::cmd("GET")
            .arg(key)
            .query_async::<Option<String>>(&mut conn)
            .await
        {
            values.push(v);
        }
    }
    values
}

#[tokio::test]
async fn a_response_holding_a_secret_is_not_kept_and_not_replayed() {
    let (app, created) = spawn().await;
    let token = app.token(&TenantId::generate(), "usr_1", TokenKind::User);
    let send = || {
        app.client
            .post_json("/v1/secrets", &token, &j!({}))
            .header("idempotency-key", "k-secret")
            .send()
    };
    let (status, body) = json(send().await.expect("send")).await;
    assert_eq!(status, 201);
    assert!(body["key"].as_str().is_some_and(|k| k.starts_with("djb_")));
    let values = stored_values(&app).await;
    assert!(!values.is_empty(), "the key is remembered as used");
    assert!(
        values.iter().all(|v| !v.contains("djb_")),
        "a secret sits in Redis: {values:?}"
    );
    let (status, body) = json(send().await.expect("send")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("idempotency_response_withheld"))
    );
    assert_eq!(
        created.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "ran once"
    );
}

#[tokio::test]
async fn only_successful_answers_are_stored() {
    let (app, _) = spawn().await;
    let token = app.token(&TenantId::generate(), "usr_1", TokenKind::User);
    let send = || {
        app.client
            .post_json("/v1/items", &token, &j!({"name": 5}))
            .header("idempotency-key", "k-bad")
            .send()
    };
    assert_eq!(send().await.expect("send").status(), 422);
    let again = send().await.expect("send");
    assert_eq!(again.status(), 422);
    assert!(
        again.headers().get("idempotent-replayed").is_none(),
        "a refusal was replayed from Redis"
    );
    assert!(stored_values(&app).await.is_empty());
}
