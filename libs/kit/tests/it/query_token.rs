//! `?token=` opens streaming routes only (GET, access JWTs); everywhere else it is refused.

use kit::TokenKind;
use kit::testing::{TestApp, assert_error, json};
use reqwest::Method;
use shared_schemas::ids::TenantId;

use crate::app::{spawn, spawn_with};

fn tenant() -> TenantId {
    TenantId::parse("ten_alpha").expect("valid")
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    header: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut req = app.client.request(method, path);
    if let Some(token) = header {
        req = req.bearer_auth(token);
    }
    json(req.send().await.expect("send")).await
}

#[tokio::test]
async fn a_query_token_is_refused_on_ordinary_routes_even_beside_a_valid_header() {
    let (app, created) = spawn().await;
    let token = app.token(&tenant(), "usr_1", TokenKind::User);
    let path = format!("/v1/whoami?token={token}");

    let (status, body) = call(&app, Method::GET, &path, None).await;
    assert_error(status, &body, 401, "query_token_refused");
    let (status, body) = call(&app, Method::GET, &path, Some(&token)).await;
    assert_error(status, &body, 401, "query_token_refused");

    let res = app
        .client
        .post(&format!("/v1/items?token={token}"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .expect("send");
    let (status, body) = json(res).await;
    assert_error(status, &body, 401, "query_token_refused");
    assert_eq!(created.load(std::sync::atomic::Ordering::SeqCst), 0);

    // The same route with the header alone still works.
    let (status, body) = call(&app, Method::GET, "/v1/whoami", Some(&token)).await;
    assert_eq!(
        (status, &body["tenant"]),
        (200, &serde_json::json!("ten_alpha"))
    );
}

#[tokio::test]
async fn public_routes_authenticate_nobody_and_ignore_the_parameter() {
    let (app, _) = spawn().await;
    let (status, _) = call(&app, Method::GET, "/health?token=whatever", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_streaming_route_takes_an_access_jwt_from_the_query_on_get() {
    let (app, _) = spawn().await;
    let token = app.token(&tenant(), "usr_1", TokenKind::User);
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/v1/stream?token={token}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tenant"], "ten_alpha");
    assert_eq!(body["sub"], "usr_1");
    // And from the header, like any route.
    let (status, body) = call(&app, Method::GET, "/v1/stream", Some(&token)).await;
    assert_eq!((status, &body["sub"]), (200, &serde_json::json!("usr_1")));
}

#[tokio::test]
async fn a_streaming_route_refuses_other_methods_two_credentials_keys_and_bad_tokens() {
    let (app, _) = spawn().await;
    let token = app.token(&tenant(), "usr_1", TokenKind::User);
    let with_token = format!("/v1/stream?token={token}");

    let (status, body) = call(&app, Method::POST, &with_token, None).await;
    assert_error(status, &body, 401, "query_token_refused");
    let (status, body) = call(&app, Method::GET, &with_token, Some(&token)).await;
    assert_error(status, &body, 401, "query_token_refused");
    let key = format!("/v1/stream?token=djb_{}", "a".repeat(64));
    let (status, body) = call(&app, Method::GET, &key, None).await;
    assert_error(status, &body, 401, "query_token_refused");

    let (status, body) = call(&app, Method::GET, "/v1/stream?token=not-a-jwt", None).await;
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = call(&app, Method::GET, "/v1/stream?token=", None).await;
    assert_error(status, &body, 401, "unauthorized");
    let (status, body) = call(&app, Method::GET, "/v1/stream", None).await;
    assert_error(status, &body, 401, "unauthorized");
}

#[tokio::test]
async fn query_token_streams_count_against_the_tenant_budget() {
    // A long window, so the three requests cannot straddle two windows.
    let (app, _) = spawn_with(|c| {
        c.tenant_rate_limit = 2;
        c.tenant_rate_window_secs = 3600;
    })
    .await;
    let token = app.token(&tenant(), "usr_1", TokenKind::User);
    let path = format!("/v1/stream?token={token}");
    for _ in 0..2 {
        let (status, body) = call(&app, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = call(&app, Method::GET, &path, None).await;
    assert_error(status, &body, 429, "rate_limited");
}
