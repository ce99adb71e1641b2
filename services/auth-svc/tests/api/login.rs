use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn login_returns_tokens_and_me_works() {
    let app = spawn().await;
    register(&app, "ada@example.com").await;
    let (status, tokens) = login(&app, " ADA@example.com ", PASSWORD).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, me) = send(&app, "GET", "/v1/auth/me", &access(&tokens), None).await;
    assert_eq!(
        (status, me["email"].as_str()),
        (200, Some("ada@example.com"))
    );
    assert_eq!(me["isService"], false);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_identical_answers() {
    let app = spawn().await;
    register(&app, "ada@example.com").await;
    let wrong = login(&app, "ada@example.com", "not the password").await;
    let unknown = login(&app, "nobody@example.com", "not the password").await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown);
    assert_eq!(
        wrong.1,
        json!({"detail": "Invalid email or password", "code": "unauthorized"})
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_then_the_lock_expires() {
    let app =
        spawn_with(json!({"login_max_failures_per_account": 3, "login_lockout_cap_secs": 1})).await;
    register(&app, "ada@example.com").await;
    for _ in 0..3 {
        assert_eq!(
            login(&app, "ada@example.com", "wrong password").await.0,
            401
        );
    }
    // Locked: even the right password is refused, with a Retry-After.
    let res = app
        .client
        .post("/v1/auth/login")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "1");
    // Unknown accounts lock the same way, so lockouts reveal nothing.
    for _ in 0..3 {
        login(&app, "ghost@example.com", "wrong password").await;
    }
    assert_eq!(
        login(&app, "ghost@example.com", "wrong password").await.0,
        429
    );
    // The lock ends when the service's clock passes its deadline: moved, not slept through.
    app.clock.advance(Duration::from_millis(1200));
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.0, 200);
}

#[tokio::test]
async fn failures_from_one_address_are_limited_across_accounts() {
    let app = spawn_with(json!({"login_max_failures_per_ip": 4})).await;
    let attempt = |email: String, ip: &'static str| {
        app.client
            .post("/v1/auth/login")
            .header("x-forwarded-for", ip)
            .json(&json!({"email": email, "password": "wrong password"}))
            .send()
    };
    for n in 0..4 {
        assert_eq!(
            attempt(format!("user{n}@x.io"), "203.0.113.7")
                .await
                .expect("send")
                .status(),
            401
        );
    }
    assert_eq!(
        attempt("fresh@x.io".into(), "203.0.113.7")
            .await
            .expect("send")
            .status(),
        429
    );
    assert_eq!(
        attempt("fresh@x.io".into(), "203.0.113.8")
            .await
            .expect("send")
            .status(),
        401
    );
}

#[tokio::test]
async fn a_deactivated_account_cannot_log_in() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let (status, user) = send(
        &app,
        "POST",
        "/v1/users/",
        &access(&owner),
        Some(json!({"email": "bob@x.io", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let path = format!("/v1/users/{}", user["id"].as_str().expect("id"));
    assert_eq!(
        send(
            &app,
            "PUT",
            &path,
            &access(&owner),
            Some(json!({"isActive": false}))
        )
        .await
        .0,
        200
    );
    let (status, body) = login(&app, "bob@x.io", PASSWORD).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (401, Some("Account is disabled"))
    );
}
