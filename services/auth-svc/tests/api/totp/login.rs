//! The second login step with a TOTP code: real codes, replay, brute force, pending tokens.

use serde_json::json;

use super::*;

#[tokio::test]
async fn login_requires_a_code_and_issues_totp_verified_tokens() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let (status, body) = login(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(body["requiresTOTP"], true);
    assert!(body.get("accessToken").is_none(), "{body}");
    let pending = body["pendingToken"].as_str().expect("pending");
    // The pending token opens nothing else.
    assert_eq!(send(&app, "GET", "/v1/auth/me", pending, None).await.0, 401);

    let (status, tokens) = login_totp(&app, pending, &code(&app, &ada.secret, 0)).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["user"]["id"], ada.user_id());
    assert_eq!(tokens["user"]["totpEnabled"], true);
    assert_eq!(tokens["tenantId"], ada.tenant_id());
    let claims = claims(&app, &tokens);
    assert!(claims.totp_verified);
    assert_eq!(claims.sub, ada.user_id());
    let (status, me) = send(&app, "GET", "/v1/auth/me", &access(&tokens), None).await;
    assert_eq!((status, me["totpEnabled"].as_bool()), (200, Some(true)));
    // The refresh token works like any other.
    let (status, _) = post(
        &app,
        "/v1/auth/refresh",
        json!({"refreshToken": refresh_token(&tokens)}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_code_is_accepted_once() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let first = pending(&app, "ada@example.com").await;
    let second = pending(&app, "ada@example.com").await;
    // The code that confirmed the setup cannot sign in (a replay, or by now outside the window).
    assert_eq!(login_totp(&app, &first, &ada.confirmed_with).await.0, 401);
    pin_mid_step(&app);
    let current = code(&app, &ada.secret, 0);
    assert_eq!(login_totp(&app, &first, &current).await.0, 200);
    // The same code again, within its step, with another pending token: refused as a replay.
    let (status, body) = login_totp(&app, &second, &current).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (
            401,
            Some("This code was already used; wait for the next one")
        )
    );
    // The next step's code is fine.
    assert_eq!(
        login_totp(&app, &second, &code(&app, &ada.secret, 1))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_pending_token_completes_one_login_only() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let pending = pending(&app, "ada@example.com").await;
    // A typo does not burn the token.
    assert_eq!(login_totp(&app, &pending, "000000").await.0, 401);
    assert_eq!(
        login_totp(&app, &pending, &code(&app, &ada.secret, 0))
            .await
            .0,
        200
    );
    let (status, body) = login_totp(&app, &pending, &code(&app, &ada.secret, 1)).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (401, Some("Invalid or expired pending token"))
    );
    let (status, _) = login_recovery(&app, &pending, &ada.codes[0]).await;
    assert_eq!(status, 401);
    assert_eq!(
        unused_codes(&app, ada.user_id()).await,
        10,
        "code not spent"
    );
    // An access token is not a pending token.
    let (status, _) = login_totp(&app, &ada.access(), &code(&app, &ada.secret, 1)).await;
    assert_eq!(status, 401);
    // Nor is a forged or expired one.
    let mut forged = pending.clone();
    forged.pop();
    forged.push('x');
    assert_eq!(
        login_totp(&app, &forged, &code(&app, &ada.secret, 1))
            .await
            .0,
        401
    );
    let tenant = shared_schemas::ids::TenantId::parse(ada.tenant_id()).expect("tenant");
    let mut old = kit::auth::Claims::access(
        ada.user_id(),
        tenant,
        kit::TokenKind::User,
        std::time::Duration::from_secs(0),
    );
    old.token_use = kit::auth::TokenUse::PendingTotp;
    old.exp = old.iat.saturating_sub(120);
    let (status, _) = login_totp(&app, &app.mint(&old), &code(&app, &ada.secret, 1)).await;
    assert_eq!(status, 401);
    let fresh = super::pending(&app, "ada@example.com").await;
    assert_eq!(
        login_totp(&app, &fresh, &code(&app, &ada.secret, 1))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn wrong_codes_count_towards_the_account_lockout() {
    let app =
        spawn_with(json!({"login_max_failures_per_account": 3, "login_lockout_cap_secs": 2})).await;
    let ada = enabled(&app, "ada@example.com").await;
    let kept = pending(&app, "ada@example.com").await;
    for n in 0..3 {
        // A correct password between guesses does not reset the count.
        let pending = pending(&app, "ada@example.com").await;
        let (status, body) = if n == 2 {
            login_recovery(&app, &pending, "0000-0000").await
        } else {
            login_totp(&app, &pending, "000000").await
        };
        assert_eq!(status, 401, "{body}");
    }
    // Locked: the password step (from an address Ada never signed in from) and even the right
    // code are refused. From her own address the password step passes, the code step does not.
    let right = json!({"email": "ada@example.com", "password": PASSWORD});
    let (status, _) =
        crate::throttle::post_from(&app, "198.51.100.5", "/v1/auth/login", right).await;
    assert_eq!(status, 429);
    let res = app
        .client
        .post("/v1/auth/login/totp")
        .json(&json!({"pendingToken": kept, "code": code(&app, &ada.secret, 0)}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    app.clock.advance(std::time::Duration::from_millis(2200));
    let (status, body) = login_totp(&app, &kept, &code(&app, &ada.secret, 0)).await;
    assert_eq!(status, 200, "{body}");
}
