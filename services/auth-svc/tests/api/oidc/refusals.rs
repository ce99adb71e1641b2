//! Logins that must not happen: replayed state, forged ID tokens, another tenant's account,
//! provider errors. Each lands on the dashboard with `#error=<code>` and changes nothing.

use openidconnect::url::Url;
use serde_json::json;

use super::*;
use crate::helpers::*;

#[tokio::test]
async fn a_tenant_provider_cannot_sign_in_to_another_tenants_account() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let victim = register(&app, "victim@bank.io").await;
    let attacker = register(&app, "admin@evil.io").await;
    create_provider(&app, &access(&attacker), provider_body(&idp, "evil-sso")).await;
    let sessions = count(&app, "select count(*) from auth.user_sessions").await;
    // The attacker's identity provider asserts the victim's (verified) email.
    idp.log_in_as(FakeUser::new("x", "victim@bank.io"));
    let f = fragment(&sign_in(&app, "evil-sso").await);
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("account_conflict"),
        "{f:?}"
    );
    assert!(!f.contains_key("accessToken"));
    assert_eq!(oidc_subject(&app, "victim@bank.io").await, None);
    assert_eq!(
        count(&app, "select count(*) from auth.user_sessions").await,
        sessions
    );
    assert_eq!(
        send(&app, "GET", "/v1/auth/me", &access(&victim), None)
            .await
            .1["tenantId"],
        victim["tenantId"]
    );
}

#[tokio::test]
async fn a_replayed_state_is_refused() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    let (to_idp, cookie) = hop_as(
        &format!("{}/v1/auth/oidc/company/authorize", app.client.base_url()),
        None,
    )
    .await;
    let callback = to_test_server(&app, &hop(&to_idp).await);
    let first = hop_as(&callback, cookie.as_deref()).await.0;
    assert!(fragment(&first).contains_key("accessToken"));
    let replay = fragment(&hop_as(&callback, cookie.as_deref()).await.0);
    assert_eq!(
        replay.get("error").map(String::as_str),
        Some("invalid_state")
    );
    assert!(!replay.contains_key("accessToken"));
}

#[tokio::test]
async fn tampered_id_tokens_are_refused() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    let users = users_count(&app).await;
    idp.log_in_as(FakeUser::new("m-1", "mallory@example.com"));
    for tamper in [
        Tamper {
            unknown_key: true,
            ..Tamper::default()
        },
        Tamper {
            nonce: Some("not-the-nonce".into()),
            ..Tamper::default()
        },
        Tamper {
            audience: Some("another-client".into()),
            ..Tamper::default()
        },
    ] {
        idp.tamper(tamper.clone());
        let location = sign_in(&app, "company").await;
        let f = fragment(&location);
        assert_eq!(
            f.get("error").map(String::as_str),
            Some("invalid_id_token"),
            "{tamper:?}"
        );
        assert!(!f.contains_key("accessToken"));
    }
    assert_eq!(users_count(&app).await, users, "nobody was created");
    idp.tamper(Tamper::default());
    assert!(fragment(&sign_in(&app, "company").await).contains_key("accessToken"));
}

#[tokio::test]
async fn provider_errors_and_broken_callbacks_land_on_the_dashboard() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    let base = format!("{}/v1/auth/oidc/company/callback", app.client.base_url());
    for (query, code) in [
        ("?error=access_denied&error_description=no", "access_denied"),
        ("?error=%3Cscript%3E", "provider_error"),
        ("", "invalid_request"),
        ("?code=abc", "invalid_request"),
        ("?code=abc&state=never-issued", "invalid_state"),
        ("?code=a&code=b&state=x", "invalid_request"),
    ] {
        let f = fragment(&hop(&format!("{base}{query}")).await);
        assert_eq!(f.get("error").map(String::as_str), Some(code), "{query}");
    }
    // A state started with one provider cannot finish at another (even in its browser).
    let (to_idp, cookie) = hop_as(
        &format!("{}/v1/auth/oidc/company/authorize", app.client.base_url()),
        None,
    )
    .await;
    let state = params(&Url::parse(&to_idp).expect("url"))["state"].clone();
    let other = format!(
        "{}/v1/auth/oidc/other/callback?code=x&state={state}",
        app.client.base_url()
    );
    assert_eq!(
        fragment(&hop_as(&other, cookie.as_deref()).await.0)
            .get("error")
            .map(String::as_str),
        Some("not_found")
    );
    // A provider that cannot be reached sends the browser back instead of showing an error page.
    let root = login(&app, "root@djinn.test", PASSWORD).await.1;
    let mut body = provider_body(&idp, "offline");
    body["scope"] = json!("platform");
    body["issuerUrl"] = json!("http://127.0.0.1:9");
    create_provider(&app, &access(&root), body).await;
    let location = hop(&format!(
        "{}/v1/auth/oidc/offline/authorize",
        app.client.base_url()
    ))
    .await;
    assert_eq!(
        fragment(&location).get("error").map(String::as_str),
        Some("provider_unavailable")
    );
}

/// Review H3: a second administrator's own provider asserting the owner's (verified) email.
#[tokio::test]
async fn a_second_admins_provider_cannot_sign_in_as_the_owner() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let owner = register(&app, "owner@acme.io").await;
    let owner_id = owner["user"]["id"].as_str().expect("owner id").to_owned();
    let t = access(&owner);
    let (status, admin) = send(
        &app,
        "POST",
        "/v1/users/",
        &t,
        Some(json!({"email": "second@acme.io", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 201, "{admin}");
    let admin_path = format!("/v1/users/{}", admin["id"].as_str().expect("id"));
    let (status, _) = send(&app, "PUT", &admin_path, &t, Some(json!({"isAdmin": true}))).await;
    assert_eq!(status, 200);
    let second = login(&app, "second@acme.io", PASSWORD).await.1;
    create_provider(&app, &access(&second), provider_body(&idp, "acme-sso")).await;
    let owner_sessions =
        format!("select count(*) from auth.user_sessions where user_id = '{owner_id}'");
    let sessions = count(&app, &owner_sessions).await;
    idp.log_in_as(FakeUser::new("whoever", "owner@acme.io"));
    let f = fragment(&sign_in(&app, "acme-sso").await);
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("account_conflict"),
        "{f:?}"
    );
    assert!(!f.contains_key("accessToken") && !f.contains_key("pendingToken"));
    assert_eq!(oidc_subject(&app, "owner@acme.io").await, None);
    assert_eq!(count(&app, &owner_sessions).await, sessions);
    // The same goes for the second admin's own account and for any password holder.
    idp.log_in_as(FakeUser::new("whoever-2", "second@acme.io"));
    let f = fragment(&sign_in(&app, "acme-sso").await);
    assert_eq!(f.get("error").map(String::as_str), Some("account_conflict"));
}

/// Review H4: no `email_verified` claim at all is not a verified email.
#[tokio::test]
async fn a_missing_email_verified_claim_never_reaches_an_existing_account() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    let victim = register(&app, "cfo@victim.com").await;
    let mut attacker = FakeUser::new("attacker", "cfo@victim.com");
    attacker.email_verified = None;
    idp.log_in_as(attacker);
    let f = fragment(&sign_in(&app, "company").await);
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("email_not_verified"),
        "{f:?}"
    );
    assert!(!f.contains_key("accessToken") && !f.contains_key("pendingToken"));
    assert_eq!(oidc_subject(&app, "cfo@victim.com").await, None);
    assert_eq!(
        send(&app, "GET", "/v1/auth/me", &access(&victim), None)
            .await
            .0,
        200
    );
}

/// Review M2: the callback only completes in the browser that started the login.
#[tokio::test]
async fn a_callback_from_another_browser_is_refused() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    idp.log_in_as(FakeUser::new("att", "attacker@example.com"));
    let authorize = format!("{}/v1/auth/oidc/company/authorize", app.client.base_url());
    let users = users_count(&app).await;
    // The attacker's finished login, replayed by a victim's browser without the cookie.
    let (to_idp, _attackers) = hop_as(&authorize, None).await;
    let callback = to_test_server(&app, &hop(&to_idp).await);
    let f = fragment(&hop_as(&callback, None).await.0);
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("invalid_state"),
        "{f:?}"
    );
    assert!(!f.contains_key("accessToken"));
    // ... or with the victim's own login cookie (from a login of its own).
    let (to_idp, attackers) = hop_as(&authorize, None).await;
    let (_, victims) = hop_as(&authorize, None).await;
    assert_ne!(attackers, victims, "every browser gets its own nonce");
    let callback = to_test_server(&app, &hop(&to_idp).await);
    let f = fragment(&hop_as(&callback, victims.as_deref()).await.0);
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("invalid_state"),
        "{f:?}"
    );
    assert_eq!(users_count(&app).await, users, "nobody was created");
    // The browser that started it finishes it.
    let (to_idp, cookie) = hop_as(&authorize, None).await;
    let cookie = cookie.expect("the authorize answer sets the login cookie");
    let callback = to_test_server(&app, &hop(&to_idp).await);
    let f = fragment(&hop_as(&callback, Some(&cookie)).await.0);
    assert!(f.contains_key("accessToken"), "{f:?}");
}

#[tokio::test]
async fn the_login_cookie_is_host_only_secure_http_only_and_lax() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    platform_provider(&app, &idp, "company").await;
    let res = browser()
        .get(format!(
            "{}/v1/auth/oidc/company/authorize",
            app.client.base_url()
        ))
        .send()
        .await
        .expect("send");
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect();
    assert_eq!(set.len(), 1, "{set:?}");
    let attrs: Vec<&str> = set[0].split("; ").collect();
    assert!(attrs[0].starts_with(&format!("{LOGIN_COOKIE}=")), "{set:?}");
    for want in [
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Max-Age=300",
    ] {
        assert!(attrs.contains(&want), "{want} in {set:?}");
    }
    assert!(!set[0].to_ascii_lowercase().contains("domain="), "{set:?}");
}
