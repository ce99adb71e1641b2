//! JWT refusals and the TenantContext, through a real socket.

use std::time::Duration;

use kit::auth::{Claims, JwtKeys, TokenKind};
use kit::testing::json;
use shared_schemas::ids::TenantId;

use crate::app::spawn;

fn tenant() -> TenantId {
    TenantId::parse("ten_alpha").expect("valid")
}

async fn refused(app: &kit::testing::TestApp, token: &str) -> serde_json::Value {
    let res = app
        .client
        .get("/v1/whoami")
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let (status, body) = json(res).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "unauthorized");
    assert!(body["detail"].is_string());
    body
}

#[tokio::test]
async fn valid_token_yields_its_tenant_context() {
    let (app, _) = spawn().await;
    let token = app.token(&tenant(), "usr_1", TokenKind::User);
    let (status, body) = json(
        app.client
            .get("/v1/whoami")
            .bearer_auth(&token)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["tenant"], "ten_alpha");
    assert_eq!(body["sub"], "usr_1");
}

#[tokio::test]
async fn bad_tokens_are_refused_with_our_error_body() {
    let (app, _) = spawn().await;
    let mut expired = Claims::access("usr_1", tenant(), TokenKind::User, Duration::from_secs(60));
    expired.exp -= 3600;
    expired.iat -= 3600;
    let body = refused(&app, &app.mint(&expired)).await;
    assert_eq!(body["detail"], "Token expired");

    let claims = Claims::access("usr_1", tenant(), TokenKind::User, Duration::from_secs(60));
    let wrong_key = JwtKeys::new("k1", b"some-other-secret-some-other-secret-xx");
    refused(&app, &wrong_key.mint(&claims).expect("mint")).await;

    let unknown_kid = JwtKeys::new("k9", kit::testing::TEST_AUTH_SECRET.as_bytes());
    let body = refused(&app, &unknown_kid.mint(&claims).expect("mint")).await;
    assert_eq!(body["detail"], "Unknown signing key");

    // alg none: header {"alg":"none","kid":"k1"}, same claims, empty signature.
    let none = "eyJhbGciOiJub25lIiwia2lkIjoiazEifQ.eyJzdWIiOiJ1c3JfMSIsInRlbmFudF9pZCI6InRlbl9hbHBoYSIsImtpbmQiOiJ1c2VyIiwidHlwZSI6ImFjY2VzcyIsImV4cCI6OTk5OTk5OTk5OSwiaWF0IjoxLCJqdGkiOiJ4In0.";
    refused(&app, none).await;

    let (status, body) = json(app.client.get("/v1/whoami").send().await.expect("send")).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
}

#[tokio::test]
async fn missing_tenant_claim_is_refused() {
    let (app, _) = spawn().await;
    // {"alg":"HS256","kid":"k1"} . {"sub":"usr_1","kind":"user","type":"access","exp":9999999999,"iat":1,"jti":"x"}
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".to_owned());
    let token = encode(
        &header,
        &serde_json::json!({"sub":"usr_1","kind":"user","type":"access","exp":9_999_999_999u64,"iat":1,"jti":"x"}),
        &EncodingKey::from_secret(kit::testing::TEST_AUTH_SECRET.as_bytes()),
    )
    .expect("encode");
    let body = refused(&app, &token).await;
    assert_eq!(body["detail"], "Token is missing required claims");
}

#[tokio::test]
async fn errors_outside_handlers_use_our_body() {
    let (app, _) = spawn().await;
    let (status, body) = json(app.client.get("/nowhere").send().await.expect("send")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = json(app.client.post("/v1/whoami").send().await.expect("send")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    let token = app.token(&tenant(), "usr_1", TokenKind::User);
    let bad_bodies = [
        ("text/plain", "x", 415, "unsupported_media_type"),
        ("application/json", "{\"name\":", 400, "malformed_json"),
    ];
    for (content_type, body, status, code) in bad_bodies {
        let res = app
            .client
            .post("/v1/items")
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("send");
        let (got, answer) = json(res).await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    let res = app
        .client
        .post_json("/v1/items", &token, &serde_json::json!({"name": 5}))
        .send()
        .await
        .expect("send");
    let (status, body) = json(res).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["path"], "name");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let (app, _) = crate::app::spawn_with(|c| c.body_limit_bytes = 1024).await;
    let token = app.token(&tenant(), "usr_1", TokenKind::User);
    let big = serde_json::json!({ "name": "x".repeat(4096) });
    let (status, body) = json(
        app.client
            .post_json("/v1/items", &token, &big)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "payload_too_large");
}

#[tokio::test]
async fn responses_carry_request_ids_and_metrics_use_route_templates() {
    let (app, _) = spawn().await;
    let res = app
        .client
        .get("/health")
        .header("x-request-id", "req-abc")
        .send()
        .await
        .expect("send");
    assert_eq!(res.headers()["x-request-id"], "req-abc");
    assert_eq!(res.headers()["x-served-by"], "kit-test");
    let res = app.client.get("/health").send().await.expect("send");
    assert!(!res.headers()["x-request-id"].is_empty());
    app.client
        .get("/nowhere/ten_secret")
        .send()
        .await
        .expect("send");
    let metrics = app
        .client
        .get("/metrics")
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("route=\"/health\""), "{metrics}");
    assert!(metrics.contains("route=\"unmatched\""));
    assert!(!metrics.contains("ten_secret"));
}
