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
    let to_idp = hop(&format!(
        "{}/v1/auth/oidc/company/authorize",
        app.client.base_url()
    ))
    .await;
    let callback = to_test_server(&app, &hop(&to_idp).await);
    assert!(fragment(&hop(&callback).await).contains_key("accessToken"));
    let replay = fragment(&hop(&callback).await);
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
    // A state started with one provider cannot finish at another.
    let to_idp = hop(&format!(
        "{}/v1/auth/oidc/company/authorize",
        app.client.base_url()
    ))
    .await;
    let state = params(&Url::parse(&to_idp).expect("url"))["state"].clone();
    let other = format!(
        "{}/v1/auth/oidc/other/callback?code=x&state={state}",
        app.client.base_url()
    );
    assert_eq!(
        fragment(&hop(&other).await)
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
