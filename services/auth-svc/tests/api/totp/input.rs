//! Bad input on every TOTP endpoint: 4xx with our error body, nothing written.

use serde_json::{Value, json};

use super::*;

/// (method, path, body) that must be refused with `status`.
fn cases(pending: &str) -> Vec<(&'static str, &'static str, Value, u16)> {
    let long = "1".repeat(5000);
    vec![
        ("POST", "/v1/auth/totp/confirm", json!({}), 422),
        (
            "POST",
            "/v1/auth/totp/confirm",
            json!({"code": "12a456"}),
            422,
        ),
        (
            "POST",
            "/v1/auth/totp/confirm",
            json!({"code": "1234567"}),
            422,
        ),
        ("POST", "/v1/auth/totp/confirm", json!({"code": long}), 422),
        (
            "POST",
            "/v1/auth/totp/confirm",
            json!({"code": 123456}),
            422,
        ),
        (
            "POST",
            "/v1/auth/totp/confirm",
            json!({"code": "123456", "extra": 1}),
            422,
        ),
        ("POST", "/v1/auth/totp/recovery-codes", json!({}), 422),
        (
            "POST",
            "/v1/auth/totp/recovery-codes",
            json!({"code": "abcdef"}),
            422,
        ),
        ("DELETE", "/v1/auth/totp", json!({}), 422),
        (
            "DELETE",
            "/v1/auth/totp",
            json!({"totpCode": "12 456"}),
            422,
        ),
        ("DELETE", "/v1/auth/totp", json!({"password": ""}), 422),
        ("DELETE", "/v1/auth/totp", json!({"password": long}), 422),
        (
            "DELETE",
            "/v1/auth/totp",
            json!({"password": null, "totpCode": null}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/totp",
            json!({"pendingToken": pending}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/totp",
            json!({"code": "123456"}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/totp",
            json!({"pendingToken": pending, "code": "abcdef"}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/totp",
            json!({"pendingToken": pending, "code": "１２３４５６"}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/totp",
            json!({"pendingToken": "", "code": "123456"}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/totp",
            json!({"pendingToken": long, "code": "123456"}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/recovery",
            json!({"pendingToken": pending}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/recovery",
            json!({"pendingToken": pending, "code": "XYZW-1234"}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/recovery",
            json!({"pendingToken": pending, "code": long}),
            422,
        ),
        (
            "POST",
            "/v1/auth/login/recovery",
            json!({"pendingToken": pending, "code": ["ABCD-1234"]}),
            422,
        ),
    ]
}

#[tokio::test]
async fn bad_bodies_are_refused_and_change_nothing() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let token = ada.access();
    let pending = pending(&app, "ada@example.com").await;
    for (method, path, body, want) in cases(&pending) {
        let (status, answer) = send(&app, method, path, &token, Some(body.clone())).await;
        assert_eq!(status, want, "{method} {path} {body}: {answer}");
        assert!(
            answer["code"].is_string() && answer["detail"].is_string(),
            "{answer}"
        );
    }
    for (method, path) in [
        ("POST", "/v1/auth/totp/confirm"),
        ("DELETE", "/v1/auth/totp"),
        ("POST", "/v1/auth/login/totp"),
        ("POST", "/v1/auth/login/recovery"),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let malformed = app
            .client
            .request(m.clone(), path)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("send");
        let (status, body) = kit::testing::json(malformed).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("malformed_json")),
            "{path}"
        );
        let text = app
            .client
            .request(m, path)
            .bearer_auth(&token)
            .body("code=123456")
            .send()
            .await
            .expect("send");
        assert_eq!(text.status(), 415, "{path}");
    }
    // Signed-in endpoints need a user token.
    for (method, path) in [
        ("POST", "/v1/auth/totp/setup"),
        ("POST", "/v1/auth/totp/confirm"),
        ("DELETE", "/v1/auth/totp"),
        ("POST", "/v1/auth/totp/recovery-codes"),
    ] {
        let body = json!({"code": "123456", "password": PASSWORD});
        assert_eq!(
            send(&app, method, path, "nope", Some(body.clone())).await.0,
            401,
            "{path}"
        );
        assert_eq!(
            send(&app, method, path, &pending, Some(body)).await.0,
            401,
            "{path}"
        );
    }
    let tenant = shared_schemas::ids::TenantId::parse(ada.tenant_id()).expect("tenant");
    let agent = app.token(&tenant, "agt_1", kit::TokenKind::Agent);
    assert_eq!(
        send(&app, "POST", "/v1/auth/totp/setup", &agent, None)
            .await
            .0,
        403
    );

    // Nothing changed: still on, all codes unused, the pending token still good.
    assert!(totp_enabled(&app, ada.user_id()).await);
    assert_eq!(unused_codes(&app, ada.user_id()).await, 10);
    assert_eq!(
        login_totp(&app, &pending, &code(&app, &ada.secret, 0))
            .await
            .0,
        200
    );
}
