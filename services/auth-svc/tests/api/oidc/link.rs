//! Linking an identity to an existing account from that account's own session (review H3: the
//! only way besides a trusted platform provider).

use serde_json::json;

use super::*;
use crate::helpers::*;

/// Starts a link as `token`; the authorize URL pointed at the test server.
async fn start_link(app: &TestApp, token: &str, slug: &str) -> String {
    let (status, body) = send(
        app,
        "POST",
        &format!("/v1/auth/oidc/{slug}/link"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    to_test_server(app, body["authorizeUrl"].as_str().expect("url"))
}

/// The browser round trip from a link's authorize URL; the dashboard fragment.
async fn finish_link(app: &TestApp, authorize: &str) -> std::collections::HashMap<String, String> {
    let (to_idp, cookie) = hop_as(authorize, None).await;
    let back = to_test_server(app, &hop(&to_idp).await);
    fragment(&hop_as(&back, cookie.as_deref()).await.0)
}

#[tokio::test]
async fn a_signed_in_account_links_its_own_identity() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let owner = register(&app, "owner@acme.io").await;
    let t = access(&owner);
    let id = create_provider(&app, &t, provider_body(&idp, "acme-sso")).await;
    // Before linking, the provider cannot reach the account.
    idp.log_in_as(FakeUser::new("o-sub", "owner@acme.io"));
    let f = fragment(&sign_in(&app, "acme-sso").await);
    assert_eq!(f.get("error").map(String::as_str), Some("account_conflict"));
    // A provider asserting another email cannot be linked, and the ticket works once.
    let url = start_link(&app, &t, "acme-sso").await;
    idp.log_in_as(FakeUser::new("x-sub", "someone@else.io"));
    let f = finish_link(&app, &url).await;
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("account_conflict"),
        "{f:?}"
    );
    let res = browser().get(&url).send().await.expect("send");
    assert_eq!(res.status(), 400, "a used ticket");
    assert_eq!(oidc_subject(&app, "owner@acme.io").await, None);
    // The account's own identity links, and then signs in.
    let url = start_link(&app, &t, "acme-sso").await;
    idp.log_in_as(FakeUser::new("o-sub", "owner@acme.io"));
    let f = finish_link(&app, &url).await;
    assert_eq!(
        f.get("linked").map(String::as_str),
        Some("acme-sso"),
        "{f:?}"
    );
    assert!(!f.contains_key("accessToken"));
    assert_eq!(
        oidc_subject(&app, "owner@acme.io").await.as_deref(),
        Some("acme-sso:o-sub")
    );
    let f = fragment(&sign_in(&app, "acme-sso").await);
    let (_, me) = send(&app, "GET", "/v1/auth/me", &f["accessToken"], None).await;
    assert_eq!(me["email"], "owner@acme.io");
    // Repointing the provider (another issuer could assert the same subject) unlinks it.
    let other = FakeIdp::start().await;
    let path = format!("/v1/auth/providers/{id}");
    let (status, _) = send(&app, "PUT", &path, &t, Some(json!({"name": "Renamed"}))).await;
    assert_eq!(status, 200);
    assert!(
        oidc_subject(&app, "owner@acme.io").await.is_some(),
        "a rename keeps links"
    );
    let change = json!({"issuerUrl": other.issuer});
    let (status, _) = send(&app, "PUT", &path, &t, Some(change)).await;
    assert_eq!(status, 200);
    assert_eq!(oidc_subject(&app, "owner@acme.io").await, None);
}

#[tokio::test]
async fn linking_needs_a_session_and_a_usable_provider() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let a = register(&app, "a@a.io").await;
    let b = register(&app, "b@b.io").await;
    create_provider(&app, &access(&a), provider_body(&idp, "a-sso")).await;
    let created = crate::api_keys::create_key(&app, &access(&a), "/v1/auth/api-keys", "ci").await;
    let key = crate::api_keys::key(&created);
    let (status, body) = send(&app, "POST", "/v1/auth/oidc/a-sso/link", &key, None).await;
    kit::testing::assert_error(status, &body, 403, "forbidden");
    let (status, body) = send(&app, "POST", "/v1/auth/oidc/a-sso/link", &access(&b), None).await;
    kit::testing::assert_error(status, &body, 404, "not_found");
    let (status, _) = post(&app, "/v1/auth/oidc/a-sso/link", json!({})).await;
    assert_eq!(status, 401);
    let forged = format!(
        "{}/v1/auth/oidc/a-sso/authorize?link=never-issued",
        app.client.base_url()
    );
    let res = browser().get(&forged).send().await.expect("send");
    assert_eq!(res.status(), 400);
}
