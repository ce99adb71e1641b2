use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn register_creates_tenant_and_owner_and_returns_tokens() {
    let app = spawn().await;
    let tokens = register(&app, "Ada@Example.com").await;
    assert_eq!(tokens["tokenType"], "Bearer");
    assert_eq!(tokens["expiresIn"], 900);
    assert_eq!(tokens["user"]["email"], "ada@example.com");
    assert_eq!(tokens["user"]["isAdmin"], true);
    assert_eq!(tokens["user"]["platformAdmin"], false);
    let tenant = tokens["tenantId"].as_str().expect("tenant");
    assert!(tenant.starts_with("ten_"));
    let (status, me) = send(&app, "GET", "/v1/auth/me", &access(&tokens), None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["tenantId"], tenant);
    let (status, t) = send(&app, "GET", "/v1/tenants/me", &access(&tokens), None).await;
    assert_eq!(status, 200);
    assert_eq!(t["ownerUserId"], tokens["user"]["id"]);
    assert_eq!(t["slug"], "ada");
}

#[tokio::test]
async fn duplicate_email_and_slug_are_409() {
    let app = spawn().await;
    register(&app, "ada@example.com").await;
    let (status, body) = post(
        &app,
        "/v1/auth/register",
        json!({"email": "ADA@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("email_taken")));
    let first = json!({"email": "b@example.com", "password": PASSWORD, "tenantSlug": "acme"});
    assert_eq!(post(&app, "/v1/auth/register", first).await.0, 201);
    let second = json!({"email": "c@example.com", "password": PASSWORD, "tenantSlug": "acme"});
    let (status, body) = post(&app, "/v1/auth/register", second).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("slug_taken")));
    // A generated slug never collides: the same name gets a suffix.
    let a = register(&app, "team@one.io").await;
    let b = register(&app, "team@two.io").await;
    assert_ne!(a["tenantId"], b["tenantId"]);
    assert_eq!(
        count(
            &app,
            "select count(*) from auth.tenants where slug like 'team%'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn bad_registrations_are_4xx_with_field_paths_and_write_nothing() {
    let app = spawn().await;
    let cases = [
        (
            json!({"email": "not-an-email", "password": PASSWORD}),
            422,
            "email",
        ),
        (
            json!({"email": "a@b.io", "password": "short"}),
            422,
            "password",
        ),
        (
            json!({"email": "a@b.io", "password": "x".repeat(300)}),
            422,
            "password",
        ),
        (
            json!({"email": format!("{}@b.io", "a".repeat(400)), "password": PASSWORD}),
            422,
            "email",
        ),
        (json!({"email": "a@b.io"}), 422, "body"),
        (
            json!({"email": "a@b.io", "password": PASSWORD, "tenantSlug": "Not A Slug"}),
            422,
            "tenantSlug",
        ),
        (
            json!({"email": "a@b.io", "password": PASSWORD, "isAdmin": true}),
            422,
            "body",
        ),
        (
            json!({"email": "a@b.io", "password": PASSWORD, "displayName": ""}),
            422,
            "displayName",
        ),
    ];
    for (body, status, path) in cases {
        let (got, answer) = post(&app, "/v1/auth/register", body.clone()).await;
        assert_eq!(got, status, "{body} -> {answer}");
        assert_eq!(answer["code"], "validation_failed");
        let paths: Vec<&str> = answer["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["path"].as_str())
            .collect();
        assert!(
            paths.iter().any(|p| p.contains(path) || path == "body"),
            "{answer}"
        );
    }
    let res = app
        .client
        .post("/v1/auth/register")
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    let res = app
        .client
        .post("/v1/auth/register")
        .header("content-type", "text/plain")
        .body("email=a")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 415);
    assert_eq!(count(&app, "select count(*) from auth.users").await, 0);
    assert_eq!(count(&app, "select count(*) from auth.tenants").await, 0);
}

#[tokio::test]
async fn a_failure_between_the_two_phases_leaves_no_tenant_and_no_user() {
    let app = spawn().await;
    // Fail phase 3 (setting the owner) from inside Postgres, after tenant and user rows exist.
    sqlx::raw_sql(
        "create function auth.fail_owner() returns trigger language plpgsql as $$
         begin raise exception 'injected failure'; end $$;
         create trigger fail_owner before update of owner_user_id on auth.tenants
           for each row when (new.name = 'Doomed') execute function auth.fail_owner();",
    )
    .execute(&app.db.admin)
    .await
    .expect("trigger");
    let body = json!({"email": "doomed@x.io", "password": PASSWORD, "tenantName": "Doomed"});
    let (status, answer) = post(&app, "/v1/auth/register", body).await;
    assert_eq!(status, 500, "{answer}");
    assert_eq!(
        answer,
        json!({"detail": "internal error", "code": "internal"})
    );
    assert_eq!(count(&app, "select count(*) from auth.tenants").await, 0);
    assert_eq!(count(&app, "select count(*) from auth.users").await, 0);
    assert_eq!(
        count(&app, "select count(*) from auth.user_sessions").await,
        0
    );
    // Without the failure the same request goes through.
    let ok = json!({"email": "doomed@x.io", "password": PASSWORD, "tenantName": "Fine"});
    assert_eq!(post(&app, "/v1/auth/register", ok).await.0, 201);
}

#[tokio::test]
async fn registration_can_be_disabled() {
    let app = spawn_with(json!({"registration_enabled": false})).await;
    let (status, body) = post(
        &app,
        "/v1/auth/register",
        json!({"email": "a@b.io", "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("registration_disabled"))
    );
    let (_, st) = json_get(&app, "/v1/auth/status").await;
    assert_eq!(st["registrationEnabled"], false);
}

async fn json_get(app: &kit::testing::TestApp, path: &str) -> (u16, serde_json::Value) {
    kit::testing::json(app.client.get(path).send().await.expect("send")).await
}

#[tokio::test]
async fn setup_makes_the_first_platform_admin_once() {
    let app = spawn().await;
    let (_, st) = json_get(&app, "/v1/auth/status").await;
    assert_eq!(st["setupComplete"], false);
    let (status, tokens) = post(
        &app,
        "/v1/auth/setup",
        json!({"email": "root@x.io", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{tokens}");
    assert_eq!(tokens["user"]["platformAdmin"], true);
    let (status, body) = post(
        &app,
        "/v1/auth/setup",
        json!({"email": "other@x.io", "password": PASSWORD}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("setup_complete"))
    );
    let (_, st) = json_get(&app, "/v1/auth/status").await;
    assert_eq!(st["setupComplete"], true);
    assert_eq!(st["authEnabled"], true);
}
