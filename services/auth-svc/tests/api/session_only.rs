//! Credential management needs a signed-in session, never a user API key (security review
//! M10): a leaked key must not enable TOTP, delete the tenant or mint and revoke keys.

use serde_json::json;

use crate::api_keys::{create_key, key};
use crate::helpers::*;

#[tokio::test]
async fn credential_management_refuses_user_api_keys() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let jwt = access(&owner);
    let created = create_key(&app, &jwt, "/v1/auth/api-keys", "script").await;
    let api_key = key(&created);
    let key_id = created["id"].as_str().expect("id");
    let calls = [
        ("POST", "/v1/auth/totp/setup".to_owned(), None),
        (
            "POST",
            "/v1/auth/totp/confirm".to_owned(),
            Some(json!({"code": "123456"})),
        ),
        (
            "DELETE",
            "/v1/auth/totp".to_owned(),
            Some(json!({"password": PASSWORD})),
        ),
        (
            "POST",
            "/v1/auth/totp/recovery-codes".to_owned(),
            Some(json!({"code": "123456"})),
        ),
        (
            "DELETE",
            "/v1/tenants/me".to_owned(),
            Some(json!({"password": PASSWORD})),
        ),
        (
            "POST",
            "/v1/auth/api-keys".to_owned(),
            Some(json!({"name": "more"})),
        ),
        (
            "POST",
            "/v1/auth/api-keys/service".to_owned(),
            Some(json!({"name": "svc"})),
        ),
        ("DELETE", format!("/v1/auth/api-keys/{key_id}"), None),
    ];
    for (method, path, body) in calls {
        let (status, answer) = send(&app, method, &path, &api_key, body).await;
        assert_eq!(status, 403, "{method} {path} with a user key: {answer}");
    }
    // Nothing changed: the tenant and the key are still there.
    assert_eq!(send(&app, "GET", "/v1/tenants/me", &jwt, None).await.0, 200);
    let (_, mine) = send(&app, "GET", "/v1/auth/api-keys", &jwt, None).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
    assert_eq!(
        send(&app, "GET", "/v1/auth/me", &api_key, None).await.0,
        200
    );
}

#[tokio::test]
async fn deleting_a_tenant_asks_for_the_owners_password_again() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let jwt = access(&owner);
    let (status, body) = send(&app, "DELETE", "/v1/tenants/me", &jwt, None).await;
    assert_eq!(status, 415, "{body}");
    let (status, body) = send(&app, "DELETE", "/v1/tenants/me", &jwt, Some(json!({}))).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = send(
        &app,
        "DELETE",
        "/v1/tenants/me",
        &jwt,
        Some(json!({"password": "wrong password"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_password")),
        "{body}"
    );
    assert_eq!(send(&app, "GET", "/v1/tenants/me", &jwt, None).await.0, 200);
    let (status, body) = send(
        &app,
        "DELETE",
        "/v1/tenants/me",
        &jwt,
        Some(json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
