//! Which address a request counts against (review L3) and who gets past an account lock (L5).

use serde_json::json;

use crate::helpers::*;
use crate::throttle::post_from;

#[tokio::test]
async fn forwarded_for_is_trusted_only_from_configured_proxies() {
    // The test client connects from 127.0.0.1, which this configuration does not trust.
    let app =
        spawn_with(json!({"register_max_per_ip": 2, "trusted_proxy_cidrs": "10.0.0.0/8"})).await;
    app.clock.freeze(); // a throttle window must not end mid-test
    let mut answers = Vec::new();
    for n in 0..3 {
        let body = json!({"email": format!("spoof{n}@x.io"), "password": PASSWORD});
        answers.push(
            post_from(&app, &format!("198.51.100.{n}"), "/v1/auth/register", body)
                .await
                .0,
        );
    }
    assert_eq!(
        answers,
        vec![201, 201, 429],
        "a spoofed X-Forwarded-For is ignored"
    );

    // By default loopback (and private networks) are proxies: HAProxy's header counts.
    let app = spawn_with(json!({"register_max_per_ip": 2})).await;
    app.clock.freeze(); // a throttle window must not end mid-test
    let mut answers = Vec::new();
    for n in 0..3 {
        let body = json!({"email": format!("real{n}@x.io"), "password": PASSWORD});
        answers.push(
            post_from(&app, &format!("198.51.100.{n}"), "/v1/auth/register", body)
                .await
                .0,
        );
    }
    assert_eq!(answers, vec![201, 201, 201]);
}

#[tokio::test]
async fn the_right_password_from_a_known_address_passes_an_account_lock() {
    let app = spawn().await;
    app.clock.freeze(); // a throttle window must not end mid-test
    let (status, _) = post_from(
        &app,
        "192.0.2.10",
        "/v1/auth/register",
        json!({"email": "ada@x.io", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201);
    let right = json!({"email": "ada@x.io", "password": PASSWORD});
    // Ada signs in from home once, so home is a known address of her account.
    assert_eq!(
        post_from(&app, "192.0.2.10", "/v1/auth/login", right.clone())
            .await
            .0,
        200
    );
    // Someone elsewhere keeps her account locked.
    let wrong = json!({"email": "ada@x.io", "password": "wrong password"});
    for _ in 0..6 {
        post_from(&app, "203.0.113.66", "/v1/auth/login", wrong.clone()).await;
    }
    assert_eq!(
        post_from(&app, "203.0.113.66", "/v1/auth/login", right.clone())
            .await
            .0,
        429
    );
    assert_eq!(
        post_from(&app, "198.51.100.20", "/v1/auth/login", right.clone())
            .await
            .0,
        429,
        "an unknown address waits out the lock"
    );
    let (status, body) = post_from(&app, "192.0.2.10", "/v1/auth/login", right.clone()).await;
    assert_eq!(status, 200, "home still signs in: {body}");
    // A wrong password from home is still locked out.
    assert_eq!(
        post_from(&app, "192.0.2.10", "/v1/auth/login", wrong)
            .await
            .0,
        429
    );
}
