//! The browser round trip: authorize → fake provider → callback → dashboard.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::url::Url;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn authorize_redirects_with_pkce_and_keeps_the_state_five_minutes() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    let location = hop(&format!(
        "{}/v1/auth/oidc/company/authorize",
        app.client.base_url()
    ))
    .await;
    let url = Url::parse(&location).expect("url");
    assert!(
        location.starts_with(&format!("{}/authorize?", idp.issuer)),
        "{location}"
    );
    let q = params(&url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(
        q["redirect_uri"],
        format!("{PUBLIC_API}/v1/auth/oidc/company/callback")
    );
    let scopes: Vec<&str> = q["scope"].split(' ').collect();
    assert_eq!(scopes, ["openid", "email", "profile"]);
    let key = app.platform.keys.oidc_state(&q["state"]);
    let mut conn = app.platform.redis.clone();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("pttl");
    assert!((295_000..=300_000).contains(&ttl), "ttl {ttl}");
    let stored: String = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("get");
    let stored: Value = serde_json::from_str(&stored).expect("json");
    let verifier = stored["code_verifier"].as_str().expect("verifier");
    assert_eq!(
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        q["code_challenge"],
        "the challenge is S256 of the stored verifier"
    );
    assert_eq!(stored["nonce"], q["nonce"].as_str());
    assert!(
        stored["provider_id"]
            .as_str()
            .expect("id")
            .starts_with("oidc_")
    );
    // Bad input is a 4xx answer, not a redirect.
    let (status, body) = kit::testing::json(
        browser()
            .get(format!(
                "{}/v1/auth/oidc/nobody/authorize",
                app.client.base_url()
            ))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    for bad in ["https://evil.test/x", "//evil.test", "/\\evil.test", "evil"] {
        let mut url = Url::parse(&format!(
            "{}/v1/auth/oidc/company/authorize",
            app.client.base_url()
        ))
        .expect("url");
        url.query_pairs_mut().append_pair("redirect", bad);
        let res = browser().get(url).send().await.expect("send");
        assert_eq!(res.status(), 422, "{bad}");
    }
}

#[tokio::test]
async fn a_new_user_gets_a_new_tenant_and_tokens_that_work() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let root = platform_provider(&app, &idp, "company").await;
    idp.log_in_as(FakeUser::new("u-42", "Newcomer@Example.com"));
    let location = sign_in(&app, "company").await;
    let f = fragment(&location);
    assert_eq!(f["expiresIn"], "900");
    assert_ne!(f["tenantId"], root["tenantId"].as_str().expect("tenant"));
    let (status, me) = send(&app, "GET", "/v1/auth/me", &f["accessToken"], None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "newcomer@example.com");
    assert_eq!(me["displayName"], "Person u-42");
    assert_eq!(me["tenantId"], f["tenantId"].as_str());
    assert_eq!(me["isAdmin"], true, "owner of the new tenant");
    assert_eq!(me["platformAdmin"], false);
    let (_, tenant) = send(&app, "GET", "/v1/tenants/me", &f["accessToken"], None).await;
    assert_eq!(tenant["ownerUserId"], me["id"]);
    assert_eq!(
        oidc_subject(&app, "newcomer@example.com").await.as_deref(),
        Some("company:u-42")
    );
    let (status, _) = post(
        &app,
        "/v1/auth/refresh",
        json!({"refreshToken": f["refreshToken"]}),
    )
    .await;
    assert_eq!(status, 200, "the refresh token is a real session");
    // Signing in again finds the linked account.
    let users = users_count(&app).await;
    let again = fragment(&sign_in(&app, "company").await);
    assert_eq!(again["tenantId"], f["tenantId"]);
    assert_eq!(users_count(&app).await, users);
    assert_eq!(idp.open_codes(), 0, "every code was redeemed once");
}

#[tokio::test]
async fn registration_disabled_stops_new_tenants_but_not_existing_accounts() {
    let app = spawn_oidc(json!({"registration_enabled": false})).await;
    let idp = FakeIdp::start().await;
    platform_provider_trusting(&app, &idp, "company", &["djinn.test"]).await;
    let users = users_count(&app).await;
    idp.log_in_as(FakeUser::new("u-1", "stranger@example.com"));
    let f = fragment(&sign_in(&app, "company").await);
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("registration_disabled")
    );
    assert!(!f.contains_key("accessToken"));
    assert_eq!(users_count(&app).await, users);
    // The platform admin's own email still signs in (and gets linked).
    idp.log_in_as(FakeUser::new("u-root", "root@djinn.test"));
    let f = fragment(&sign_in(&app, "company").await);
    assert!(f.contains_key("accessToken"), "{f:?}");
    assert_eq!(
        oidc_subject(&app, "root@djinn.test").await.as_deref(),
        Some("company:u-root")
    );
}

#[tokio::test]
async fn a_tenant_provider_makes_new_users_members_of_that_tenant() {
    let app = spawn_oidc(json!({"registration_enabled": false})).await;
    let idp = FakeIdp::start().await;
    let owner = tenant_owner(&app).await;
    create_provider(&app, &access(&owner), provider_body(&idp, "acme-sso")).await;
    idp.log_in_as(FakeUser::new("emp-7", "employee@acme.io"));
    let f = fragment(&sign_in(&app, "acme-sso").await);
    assert_eq!(f["tenantId"], owner["tenantId"].as_str().expect("tenant"));
    let (_, me) = send(&app, "GET", "/v1/auth/me", &f["accessToken"], None).await;
    assert_eq!(
        (me["isAdmin"].as_bool(), me["email"].as_str()),
        (Some(false), Some("employee@acme.io"))
    );
    assert_eq!(count(&app, "select count(*) from auth.tenants").await, 1);
    let (_, members) = send(&app, "GET", "/v1/users/", &access(&owner), None).await;
    assert_eq!(members.as_array().map(Vec::len), Some(2));
}

/// A tenant and its owner, made directly (public registration is off in that test).
async fn tenant_owner(app: &TestApp) -> Value {
    let (tenant, user) = app.create_tenant("Acme").await;
    let token = app.token(&tenant, user.as_str(), kit::TokenKind::User);
    json!({"accessToken": token, "tenantId": tenant.as_str()})
}

#[tokio::test]
async fn a_trusted_platform_provider_links_an_account_with_the_same_verified_email() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let root = platform_provider_trusting(&app, &idp, "company", &["example.com"]).await;
    let existing = register(&app, "ada@example.com").await;
    // A platform provider not trusted for the domain never links by email.
    let mut body = provider_body(&idp, "untrusted");
    body["scope"] = json!("platform");
    create_provider(&app, &access(&root), body).await;
    register(&app, "eve@elsewhere.io").await;
    for (slug, user) in [
        ("untrusted", FakeUser::new("ada-sub", "ada@example.com")),
        ("company", FakeUser::new("eve-sub", "eve@elsewhere.io")),
    ] {
        idp.log_in_as(user);
        let f = fragment(&sign_in(&app, slug).await);
        assert_eq!(
            f.get("error").map(String::as_str),
            Some("account_conflict"),
            "{slug}"
        );
    }
    assert_eq!(oidc_subject(&app, "ada@example.com").await, None);
    idp.log_in_as(FakeUser::new("ada-sub", "ada@example.com"));
    let f = fragment(&sign_in(&app, "company").await);
    assert_eq!(
        f["tenantId"],
        existing["tenantId"].as_str().expect("tenant")
    );
    assert_eq!(
        oidc_subject(&app, "ada@example.com").await.as_deref(),
        Some("company:ada-sub")
    );
    // The same email under another subject of this provider is not the same person.
    idp.log_in_as(FakeUser::new("someone-else", "ada@example.com"));
    let f = fragment(&sign_in(&app, "company").await);
    assert_eq!(f.get("error").map(String::as_str), Some("account_conflict"));
    // An unverified email is never trusted to find an account.
    register(&app, "bob@example.com").await;
    let mut unverified = FakeUser::new("bob-sub", "bob@example.com");
    unverified.email_verified = Some(false);
    idp.log_in_as(unverified);
    let f = fragment(&sign_in(&app, "company").await);
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("email_not_verified")
    );
    assert_eq!(oidc_subject(&app, "bob@example.com").await, None);
}

#[tokio::test]
async fn totp_users_get_the_second_factor_challenge() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider_trusting(&app, &idp, "company", &["example.com"]).await;
    let careful = crate::totp::enabled(&app, "careful@example.com").await;
    idp.log_in_as(FakeUser::new("c-1", "careful@example.com"));
    let f = fragment(&sign_in(&app, "company").await);
    assert_eq!(
        f.get("requiresTOTP").map(String::as_str),
        Some("true"),
        "{f:?}"
    );
    assert!(!f.contains_key("accessToken") && !f.contains_key("refreshToken"));
    let pending = &f["pendingToken"];
    let (status, _) = send(&app, "GET", "/v1/auth/me", pending, None).await;
    assert_eq!(status, 401, "a pending token is not an access token");
    // The second factor finishes the login as for a password login.
    let code = crate::totp::code(&app, &careful.secret, 0);
    let (status, tokens) = crate::totp::login_totp(&app, pending, &code).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["user"]["id"], careful.user_id());
}

#[tokio::test]
async fn the_dashboard_path_survives_the_round_trip() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    let (to_idp, cookie) = hop_as(
        &format!(
            "{}/v1/auth/oidc/company/authorize?redirect=%2Fprojects%2F7%3Ftab%3Druns",
            app.client.base_url()
        ),
        None,
    )
    .await;
    let back = to_test_server(&app, &hop(&to_idp).await);
    let location = hop_as(&back, cookie.as_deref()).await.0;
    let f = fragment(&location);
    assert_eq!(
        f.get("redirect").map(String::as_str),
        Some("/projects/7?tab=runs")
    );
    assert!(f.contains_key("accessToken"));
}

#[tokio::test]
async fn the_email_may_come_from_userinfo() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    idp.email_only_in_userinfo(true);
    idp.log_in_as(FakeUser::new("quiet", "quiet@example.com"));
    let f = fragment(&sign_in(&app, "company").await);
    let (_, me) = send(&app, "GET", "/v1/auth/me", &f["accessToken"], None).await;
    assert_eq!(me["email"], "quiet@example.com");
}

#[tokio::test]
async fn a_provider_configured_without_discovery_works_the_same() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let root = platform_admin(&app).await;
    let mut body = provider_body(&idp, "manual");
    body["scope"] = json!("platform");
    body["autoDiscovery"] = json!(false);
    body["authorizationEndpoint"] = json!(format!("{}/authorize", idp.issuer));
    body["tokenEndpoint"] = json!(format!("{}/token", idp.issuer));
    body["jwksUri"] = json!(format!("{}/jwks", idp.issuer));
    body["scopes"] = json!("openid email");
    create_provider(&app, &access(&root), body).await;
    idp.log_in_as(FakeUser::new("m-9", "manual@example.com"));
    let f = fragment(&sign_in(&app, "manual").await);
    assert!(f.contains_key("accessToken"), "{f:?}");
    idp.tamper(Tamper {
        unknown_key: true,
        ..Tamper::default()
    });
    let f = fragment(&sign_in(&app, "manual").await);
    assert_eq!(f.get("error").map(String::as_str), Some("invalid_id_token"));
}

#[tokio::test]
async fn allow_unverified_email_creates_new_accounts_but_never_links() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let root = platform_admin(&app).await;
    let mut body = provider_body(&idp, "lax");
    body["scope"] = json!("platform");
    body["trustedEmailDomains"] = json!(["Example.com "]);
    body["allowUnverifiedEmail"] = json!(true);
    let (status, created) = send(
        &app,
        "POST",
        "/v1/auth/providers",
        &access(&root),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["trustedEmailDomains"], json!(["example.com"]));
    assert_eq!(created["allowUnverifiedEmail"], true);
    register(&app, "ada@example.com").await;
    let mut silent = FakeUser::new("ada-sub", "ada@example.com");
    silent.email_verified = None;
    idp.log_in_as(silent);
    let f = fragment(&sign_in(&app, "lax").await);
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("email_not_verified")
    );
    assert_eq!(oidc_subject(&app, "ada@example.com").await, None);
    let mut newcomer = FakeUser::new("new-sub", "new@example.com");
    newcomer.email_verified = None;
    idp.log_in_as(newcomer);
    let f = fragment(&sign_in(&app, "lax").await);
    assert!(f.contains_key("accessToken"), "{f:?}");
    assert_eq!(
        oidc_subject(&app, "new@example.com").await.as_deref(),
        Some("lax:new-sub")
    );
}

#[tokio::test]
async fn only_platform_providers_can_be_trusted_for_email_domains() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let owner = register(&app, "owner@acme.io").await;
    let t = access(&owner);
    let mut body = provider_body(&idp, "acme-sso");
    body["trustedEmailDomains"] = json!(["acme.io"]);
    let (status, err) = send(&app, "POST", "/v1/auth/providers", &t, Some(body)).await;
    assert_eq!(
        (status, &err["errors"][0]["path"]),
        (422, &json!("trustedEmailDomains")),
        "{err}"
    );
    let id = create_provider(&app, &t, provider_body(&idp, "acme-sso")).await;
    let path = format!("/v1/auth/providers/{id}");
    let (status, err) = send(
        &app,
        "PUT",
        &path,
        &t,
        Some(json!({"trustedEmailDomains": ["acme.io"]})),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    let (status, err) = send(
        &app,
        "PUT",
        &path,
        &t,
        Some(json!({"trustedEmailDomains": ["*.acme.io"]})),
    )
    .await;
    assert_eq!(
        (status, &err["errors"][0]["path"]),
        (422, &json!("trustedEmailDomains[0]")),
        "{err}"
    );
}
