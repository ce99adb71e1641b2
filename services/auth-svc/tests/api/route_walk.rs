//! The cross-tenant wall over every auth-svc operation that takes an id, walked from the
//! service's own OpenAPI document so a new route is covered the day it is added: tenant B's user
//! and service tokens on tenant A's user, API key, provider, tenant and waitlist ids get exactly
//! the answer of ids that exist nowhere — never a success — and A's rows in `auth` are unchanged.

use kit::TokenKind;
use kit::testing::{TestApp, walk};
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

use crate::helpers::*;

/// The OIDC sign-in round trip is public by design: a provider's slug is the sign-in link its
/// tenant shares, and it takes no token whose tenant could be crossed.
fn takes_a_tenant_scoped_id(path: &str) -> bool {
    path.contains('{') && !path.starts_with("/v1/auth/oidc/")
}

fn routes() -> Vec<(String, String)> {
    let doc = serde_json::to_value(auth_svc::openapi()).expect("openapi");
    walk::operations(&doc, takes_a_tenant_scoped_id)
}

fn concrete(template: &str, ids: &[(&str, String)]) -> String {
    template
        .split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => ids.iter().find(|(k, _)| *k == name).map_or_else(
                    || panic!("no id for {{{name}}} in {template}"),
                    |(_, v)| v.clone(),
                ),
                None => seg.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// An id of the same kind (prefix) that no tenant has.
fn nowhere(real: &str) -> String {
    let prefix = real.split('_').next().expect("prefix");
    format!("{prefix}_nowhere0000000000")
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str) -> (u16, Value) {
    let body = (method != "GET" && method != "DELETE").then(|| json!({}));
    send(app, method, path, token, body).await
}

/// A set-up request that must succeed (a failed set-up would make the walk pass for the wrong
/// reason); returns the created id.
async fn id_of(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let (status, out) = send(app, "POST", path, token, Some(body)).await;
    assert!(status == 200 || status == 201, "{path}: {status} {out}");
    out["id"].as_str().expect("id").to_owned()
}

/// Tenant A with a member, a user API key and an OIDC provider; a waitlist entry (no tenant).
async fn tenant_a(app: &TestApp) -> (TenantId, Vec<(&'static str, String)>) {
    let (status, root) = post(
        app,
        "/v1/auth/setup",
        json!({"email": "root@walk.io", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{root}");
    let a = register(app, "owner@alpha.io").await;
    let a_token = access(&a);
    let member = json!({"email": "member@alpha.io", "password": PASSWORD});
    let user = id_of(app, &a_token, "/v1/users/", member).await;
    let slack = json!({"slackId": "UALPHA42"});
    let (status, body) = send(
        app,
        "PUT",
        &format!("/v1/users/{user}"),
        &a_token,
        Some(slack),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let note = json!({"title": "disk almost full"});
    let notification = id_of(app, &a_token, "/v1/admin/notifications", note).await;
    let key = id_of(app, &a_token, "/v1/auth/api-keys", json!({"name": "ci"})).await;
    let provider = json!({
        "name": "Alpha IdP", "slug": "alpha-idp", "issuerUrl": "https://idp.alpha.io",
        "clientId": "client", "clientSecret": "client-secret",
    });
    let provider = id_of(app, &a_token, "/v1/auth/providers", provider).await;
    let (status, joined) = post(app, "/v1/waitlist/join", json!({"email": "wait@alpha.io"})).await;
    assert_eq!(status, 200, "{joined}");
    let (status, entries) = send(app, "GET", "/v1/waitlist/", &access(&root), None).await;
    assert_eq!(status, 200, "{entries}");
    let entry = entries[0]["id"].as_str().expect("entry id").to_owned();
    let tenant = TenantId::parse(a["tenantId"].as_str().expect("tenant")).expect("tenant id");
    let ids = vec![
        ("user_id", user),
        ("key_id", key),
        ("provider_id", provider),
        ("tenant_id", tenant.as_str().to_owned()),
        ("entry_id", entry),
        ("notification_id", notification),
        ("slack_id", "UALPHA42".to_owned()),
    ];
    (tenant, ids)
}

#[tokio::test]
async fn tenant_b_learns_nothing_and_changes_nothing_on_any_route_with_an_id() {
    let app = spawn().await;
    let (a, real) = tenant_a(&app).await;
    let fake: Vec<(&str, String)> = real.iter().map(|(k, v)| (*k, nowhere(v))).collect();
    let b = register(&app, "owner@beta.io").await;
    let b_tenant = TenantId::parse(b["tenantId"].as_str().expect("tenant")).expect("tenant id");
    let b_service = app.token(&b_tenant, "svc:walk", TokenKind::Service);
    let b_tokens = [access(&b), b_service];
    let before = walk::tenant_fingerprint(&app.db.admin, "auth", a.as_str()).await;
    let tenant_rows = "select md5(string_agg(t::text, '|')) from auth.tenants t";
    let tenants_before: Option<String> = sqlx::query_scalar(tenant_rows)
        .fetch_one(&app.db.admin)
        .await
        .expect("tenants");

    let routes = routes();
    assert!(routes.len() >= 10, "the walk sees the routes: {routes:?}");
    for (method, template) in &routes {
        for token in &b_tokens {
            let (status, body) = call(&app, token, method, &concrete(template, &real)).await;
            let (want, want_body) = call(&app, token, method, &concrete(template, &fake)).await;
            assert!(
                !(200..300).contains(&status),
                "{method} {template}: {status} {body}"
            );
            assert_eq!(
                (status, &body["code"]),
                (want, &want_body["code"]),
                "{method} {template}: A's ids must look like ids that exist nowhere ({body})"
            );
        }
    }
    assert_eq!(
        before,
        walk::tenant_fingerprint(&app.db.admin, "auth", a.as_str()).await,
        "A's rows unchanged"
    );
    let tenants_after: Option<String> = sqlx::query_scalar(tenant_rows)
        .fetch_one(&app.db.admin)
        .await
        .expect("tenants");
    assert_eq!(
        tenants_before, tenants_after,
        "no tenant renamed or suspended"
    );
}

/// Clients (and fuzzers) can only call what the document describes completely.
#[test]
fn every_path_parameter_is_declared() {
    let doc = serde_json::to_value(auth_svc::openapi()).expect("openapi");
    assert_eq!(walk::undeclared_path_parameters(&doc), Vec::<String>::new());
}
