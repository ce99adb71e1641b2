//! Provider management: CRUD, masking, bad input, platform scope, cross-tenant isolation.

use serde_json::{Value, json};

use super::*;
use crate::helpers::*;

async fn stored_secret(app: &kit::testing::TestApp, id: &str) -> String {
    sqlx::query_scalar("select client_secret from auth.oidc_providers where id = $1")
        .bind(id)
        .fetch_one(&app.db.admin)
        .await
        .expect("secret")
}

async fn status_page(app: &kit::testing::TestApp) -> Value {
    let res = app
        .client
        .get("/v1/auth/status")
        .send()
        .await
        .expect("status");
    res.json().await.expect("json")
}

#[tokio::test]
async fn tenant_admins_manage_providers_and_secrets_stay_masked() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let owner = register(&app, "owner@acme.io").await;
    let t = access(&owner);
    let (status, created) = send(
        &app,
        "POST",
        "/v1/auth/providers",
        &t,
        Some(provider_body(&idp, "acme-sso")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "created");
    assert_eq!(created["slug"], "acme-sso");
    assert_eq!(created["scope"], "tenant");
    assert_eq!(created["tenantId"], owner["tenantId"]);
    assert_eq!(created["scopes"], "openid email profile");
    assert_eq!(created["clientSecret"], "...alue");
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("oidc_"));
    let ciphertext = stored_secret(&app, &id).await;
    assert!(!ciphertext.contains("s3cret"), "encrypted at rest");

    let (_, list) = send(&app, "GET", "/v1/auth/providers", &t, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["clientSecret"], "...alue");
    assert!(!list.to_string().contains(CLIENT_SECRET));

    // Sending back the masked value keeps the secret; "" clears optional texts.
    let path = format!("/v1/auth/providers/{id}");
    let (status, updated) = send(
        &app,
        "PUT",
        &path,
        &t,
        Some(json!({"name": "Acme SSO", "clientSecret": "...alue", "buttonText": "", "enabled": false})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(
        (updated["status"].as_str(), updated["name"].as_str()),
        (Some("updated"), Some("Acme SSO"))
    );
    assert_eq!(updated["buttonText"], Value::Null);
    assert_eq!(updated["buttonColor"], "#123abc");
    assert_eq!(updated["enabled"], false);
    assert_eq!(stored_secret(&app, &id).await, ciphertext);
    let (_, updated) = send(
        &app,
        "PUT",
        &path,
        &t,
        Some(json!({"clientSecret": "a-brand-new-secret-0000"})),
    )
    .await;
    assert_eq!(updated["clientSecret"], "...0000");
    assert_ne!(stored_secret(&app, &id).await, ciphertext);

    let (status, report) = send(&app, "POST", &format!("{path}/test"), &t, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["status"], "ok");
    assert_eq!(report["issuer"], idp.issuer.as_str());
    assert_eq!(report["tokenEndpoint"], format!("{}/token", idp.issuer));
    assert_eq!(report["jwksUri"], format!("{}/jwks", idp.issuer));
    assert_eq!(report["keys"], 1);

    let (status, gone) = send(&app, "DELETE", &path, &t, None).await;
    assert_eq!(
        (status, gone),
        (200, json!({"id": id, "status": "deleted"}))
    );
    assert_eq!(send(&app, "DELETE", &path, &t, None).await.0, 404);
    let (_, list) = send(&app, "GET", "/v1/auth/providers", &t, None).await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn bad_provider_input_is_refused_and_writes_nothing() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let owner = register(&app, "owner@acme.io").await;
    let t = access(&owner);
    create_provider(&app, &t, provider_body(&idp, "taken")).await;
    let with = |changes: Value| {
        let mut body = provider_body(&idp, "fresh");
        if let (Some(b), Some(c)) = (body.as_object_mut(), changes.as_object()) {
            b.extend(c.clone());
        }
        body
    };
    let cases = [
        (with(json!({"slug": "Bad Slug"})), 422, "slug"),
        (with(json!({"slug": "-x"})), 422, "slug"),
        (with(json!({"slug": "a"})), 422, "slug"),
        (with(json!({"slug": "a".repeat(33)})), 422, "slug"),
        (with(json!({"issuerUrl": "not a url"})), 422, "issuerUrl"),
        (
            with(json!({"issuerUrl": "ftp://idp.test"})),
            422,
            "issuerUrl",
        ),
        (
            with(json!({"iconUrl": "javascript:alert(1)"})),
            422,
            "iconUrl",
        ),
        (
            with(json!({"buttonColor": "red; background: url(x)"})),
            422,
            "buttonColor",
        ),
        (with(json!({"name": "n".repeat(257)})), 422, "name"),
        (with(json!({"clientSecret": ""})), 422, "clientSecret"),
        (with(json!({"scopes": "openid \"x\""})), 422, "scopes"),
        (with(json!({"scope": "galaxy"})), 422, "scope"),
        (with(json!({"autoDiscovery": "yes"})), 422, "autoDiscovery"),
        (
            with(json!({"autoDiscovery": false})),
            422,
            "authorizationEndpoint",
        ),
        (with(json!({"surprise": 1})), 422, "surprise"),
    ];
    for (body, status, path) in cases {
        let (got, answer) = send(&app, "POST", "/v1/auth/providers", &t, Some(body.clone())).await;
        assert_eq!(got, status, "{body} -> {answer}");
        let paths = answer["errors"].to_string();
        assert!(
            answer["detail"].as_str().is_some_and(|d| d.contains(path)) || paths.contains(path),
            "{body} -> {answer}"
        );
    }
    let mut missing = with(json!({}));
    missing.as_object_mut().expect("object").remove("clientId");
    let (status, answer) = send(&app, "POST", "/v1/auth/providers", &t, Some(missing)).await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["detail"]
            .as_str()
            .expect("detail")
            .contains("clientId")
    );
    let (status, body) = send(
        &app,
        "POST",
        "/v1/auth/providers",
        &t,
        Some(with(json!({"slug": "taken"}))),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("slug_taken")));
    // Slugs are global: another tenant cannot take it either.
    let other = register(&app, "other@else.io").await;
    let (status, _) = send(
        &app,
        "POST",
        "/v1/auth/providers",
        &access(&other),
        Some(with(json!({"slug": "taken"}))),
    )
    .await;
    assert_eq!(status, 409);
    for (content_type, raw, status) in [
        ("application/json", "{\"name\":", 400),
        ("text/plain", "{}", 415),
    ] {
        let res = app
            .client
            .post("/v1/auth/providers")
            .bearer_auth(&t)
            .header("content-type", content_type)
            .body(raw)
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), status);
    }
    let id = create_provider(&app, &t, provider_body(&idp, "second")).await;
    let path = format!("/v1/auth/providers/{id}");
    for bad in [
        json!({"issuerUrl": "nope"}),
        json!({"slug": "renamed"}),
        json!({"autoDiscovery": false}),
        json!({"enabled": "no"}),
    ] {
        let (status, answer) = send(&app, "PUT", &path, &t, Some(bad.clone())).await;
        assert_eq!(status, 422, "{bad} -> {answer}");
    }
    // A member is not an administrator.
    send(
        &app,
        "POST",
        "/v1/users/",
        &t,
        Some(json!({"email": "m@acme.io", "password": PASSWORD})),
    )
    .await;
    let (_, member) = login(&app, "m@acme.io", PASSWORD).await;
    let m = access(&member);
    assert_eq!(
        send(&app, "GET", "/v1/auth/providers", &m, None).await.0,
        403
    );
    let (status, _) = send(
        &app,
        "POST",
        "/v1/auth/providers",
        &m,
        Some(with(json!({}))),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(send(&app, "DELETE", &path, &m, None).await.0, 403);
    assert_eq!(
        count(&app, "select count(*) from auth.oidc_providers").await,
        2
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from auth.oidc_providers where updated_at <> created_at"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn issuers_must_use_https_unless_allowed() {
    let app = spawn().await;
    let idp = FakeIdp::start().await;
    let owner = register(&app, "owner@acme.io").await;
    let (status, body) = send(
        &app,
        "POST",
        "/v1/auth/providers",
        &access(&owner),
        Some(provider_body(&idp, "plain-http")),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["path"], "issuerUrl");
    assert_eq!(
        count(&app, "select count(*) from auth.oidc_providers").await,
        0
    );
}

#[tokio::test]
async fn platform_providers_are_for_platform_admins_and_listed_on_the_sign_in_page() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let root = platform_admin(&app).await;
    let r = access(&root);
    let mut body = provider_body(&idp, "company");
    body["scope"] = json!("platform");
    body["iconUrl"] = json!("https://cdn.test/icon.svg");
    let (status, created) = send(&app, "POST", "/v1/auth/providers", &r, Some(body.clone())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["scope"].as_str(), &created["tenantId"]),
        (Some("platform"), &Value::Null)
    );
    let platform_id = created["id"].as_str().expect("id").to_owned();
    let tenant_admin = register(&app, "admin@acme.io").await;
    let t = access(&tenant_admin);
    create_provider(&app, &t, provider_body(&idp, "acme-only")).await;

    // A tenant administrator cannot create, list, change or delete platform providers.
    body["slug"] = json!("sneaky");
    assert_eq!(
        send(&app, "POST", "/v1/auth/providers", &t, Some(body))
            .await
            .0,
        403
    );
    let (status, _) = send(&app, "GET", "/v1/auth/providers?scope=platform", &t, None).await;
    assert_eq!(status, 403);
    let path = format!("/v1/auth/providers/{platform_id}");
    let (status, _) = send(&app, "PUT", &path, &t, Some(json!({"name": "Mine"}))).await;
    assert_eq!(status, 403);
    assert_eq!(send(&app, "DELETE", &path, &t, None).await.0, 403);
    assert_eq!(
        send(&app, "POST", &format!("{path}/test"), &t, None)
            .await
            .0,
        403
    );
    let (_, tenant_list) = send(&app, "GET", "/v1/auth/providers", &t, None).await;
    assert_eq!(
        tenant_list.as_array().map(Vec::len),
        Some(1),
        "own providers only"
    );

    let (_, platform_list) = send(&app, "GET", "/v1/auth/providers?scope=platform", &r, None).await;
    assert_eq!(platform_list.as_array().map(Vec::len), Some(1));
    assert_eq!(platform_list[0]["name"], "IdP company");
    let (status, bad) = send(&app, "GET", "/v1/auth/providers?scope=everything", &r, None).await;
    kit::testing::assert_error(status, &bad, 422, "validation_failed");

    let page = status_page(&app).await;
    assert_eq!(
        page["oidcProviders"],
        json!([{
            "id": platform_id, "slug": "company", "name": "IdP company",
            "buttonText": "Sign in with IdP", "buttonColor": "#123abc",
            "iconUrl": "https://cdn.test/icon.svg",
        }]),
        "platform providers only, never a tenant's"
    );
    let (status, _) = send(&app, "PUT", &path, &r, Some(json!({"enabled": false}))).await;
    assert_eq!(status, 200);
    let page = status_page(&app).await;
    assert_eq!(
        page["oidcProviders"],
        json!([]),
        "disabled providers are not offered"
    );
    assert_eq!(send(&app, "DELETE", &path, &r, None).await.0, 200);
    assert_eq!(
        count(
            &app,
            "select count(*) from auth.oidc_providers where tenant_id is null"
        )
        .await,
        0
    );
}

/// Review M10: a user API key (even an administrator's) cannot install or change a provider.
#[tokio::test]
async fn a_user_api_key_cannot_manage_providers() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let owner = register(&app, "owner@acme.io").await;
    let t = access(&owner);
    let id = create_provider(&app, &t, provider_body(&idp, "acme-sso")).await;
    let created = crate::api_keys::create_key(&app, &t, "/v1/auth/api-keys", "ci").await;
    let k = crate::api_keys::key(&created);
    assert!(k.starts_with("djb_"));
    let path = format!("/v1/auth/providers/{id}");
    let (status, body) = send(
        &app,
        "POST",
        "/v1/auth/providers",
        &k,
        Some(provider_body(&idp, "backdoor")),
    )
    .await;
    kit::testing::assert_error(status, &body, 403, "forbidden");
    let (status, body) = send(&app, "PUT", &path, &k, Some(json!({"name": "Mine"}))).await;
    kit::testing::assert_error(status, &body, 403, "forbidden");
    let (status, body) = send(&app, "DELETE", &path, &k, None).await;
    kit::testing::assert_error(status, &body, 403, "forbidden");
    let (status, body) = send(&app, "POST", &format!("{path}/test"), &k, None).await;
    kit::testing::assert_error(status, &body, 403, "forbidden");
    let (_, list) = send(&app, "GET", "/v1/auth/providers", &t, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["name"], "IdP acme-sso");
}
