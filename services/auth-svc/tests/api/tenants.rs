use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn tenant_admins_rename_their_tenant_and_slugs_stay_unique() {
    let app = spawn().await;
    let a = register(&app, "a@x.io").await;
    let b = register(&app, "b@x.io").await;
    let (status, t) = send(
        &app,
        "PUT",
        "/v1/tenants/me",
        &access(&a),
        Some(json!({"name": "Acme", "slug": "acme"})),
    )
    .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        (t["name"].as_str(), t["slug"].as_str()),
        (Some("Acme"), Some("acme"))
    );
    let (status, body) = send(
        &app,
        "PUT",
        "/v1/tenants/me",
        &access(&b),
        Some(json!({"slug": "acme"})),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("slug_taken")));
    let (status, _) = send(
        &app,
        "PUT",
        "/v1/tenants/me",
        &access(&b),
        Some(json!({"slug": "Bad Slug"})),
    )
    .await;
    assert_eq!(status, 422);
    // A member who is not an admin cannot.
    let (_, member) = send(
        &app,
        "POST",
        "/v1/users/",
        &access(&a),
        Some(json!({"email": "m@x.io", "password": PASSWORD})),
    )
    .await;
    assert_eq!(member["isAdmin"], false);
    let (_, m) = login(&app, "m@x.io", PASSWORD).await;
    assert_eq!(
        send(
            &app,
            "PUT",
            "/v1/tenants/me",
            &access(&m),
            Some(json!({"name": "Mine"}))
        )
        .await
        .0,
        403
    );
}

#[tokio::test]
async fn a_suspended_tenant_cannot_log_in_or_refresh() {
    let app = spawn().await;
    let (_, root) = post(
        &app,
        "/v1/auth/setup",
        json!({"email": "root@x.io", "password": PASSWORD}),
    )
    .await;
    let b = register(&app, "b@x.io").await;
    let b_tenant = b["tenantId"].as_str().expect("tenant");
    let path = format!("/v1/tenants/{b_tenant}/status");
    // Only platform administrators may.
    assert_eq!(
        send(
            &app,
            "PUT",
            &path,
            &access(&b),
            Some(json!({"status": "suspended"}))
        )
        .await
        .0,
        403
    );
    let (status, t) = send(
        &app,
        "PUT",
        &path,
        &access(&root),
        Some(json!({"status": "suspended"})),
    )
    .await;
    assert_eq!((status, t["status"].as_str()), (200, Some("suspended")));
    let (status, body) = login(&app, "b@x.io", PASSWORD).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("tenant_suspended"))
    );
    let (status, _) = post(
        &app,
        "/v1/auth/refresh",
        json!({"refreshToken": refresh_token(&b)}),
    )
    .await;
    assert_eq!(status, 403);
    // The status is where every service looks for it.
    let mut conn = app.platform.redis.clone();
    let b_id = shared_schemas::ids::TenantId::parse(b_tenant).expect("id");
    let key = app.platform.keys.tenant_status(&b_id);
    let cached: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("redis");
    assert_eq!(
        cached.map(|v| kit::auth::status::decode(&app.platform, &b_id, &v)),
        Some(kit::auth::status::Status::Known(
            kit::auth::status::TenantState::Suspended
        ))
    );
    let (_, all) = send(&app, "GET", "/v1/tenants/", &access(&root), None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    send(
        &app,
        "PUT",
        &path,
        &access(&root),
        Some(json!({"status": "active"})),
    )
    .await;
    assert_eq!(login(&app, "b@x.io", PASSWORD).await.0, 200);
    assert_eq!(
        send(
            &app,
            "PUT",
            &path,
            &access(&root),
            Some(json!({"status": "deleted"}))
        )
        .await
        .0,
        422
    );
}

#[tokio::test]
async fn the_owner_deletes_the_tenant_and_everything_cascades() {
    let app = spawn().await;
    let a = register(&app, "a@x.io").await;
    let b = register(&app, "b@x.io").await;
    send(
        &app,
        "POST",
        "/v1/users/",
        &access(&a),
        Some(json!({"email": "m@x.io", "password": PASSWORD})),
    )
    .await;
    let (_, m) = login(&app, "m@x.io", PASSWORD).await;
    assert_eq!(
        send(
            &app,
            "DELETE",
            "/v1/tenants/me",
            &access(&m),
            Some(serde_json::json!({"password": PASSWORD}))
        )
        .await
        .0,
        403,
        "members cannot"
    );
    assert_eq!(
        send(
            &app,
            "DELETE",
            "/v1/tenants/me",
            &access(&a),
            Some(serde_json::json!({"password": PASSWORD}))
        )
        .await
        .0,
        200
    );
    assert_eq!(count(&app, "select count(*) from auth.tenants").await, 1);
    assert_eq!(count(&app, "select count(*) from auth.users").await, 1);
    assert_eq!(count(&app, "select count(*) from auth.user_sessions where tenant_id <> (select id from auth.tenants)").await, 0);
    assert_eq!(login(&app, "a@x.io", PASSWORD).await.0, 401);
    assert_eq!(
        send(&app, "GET", "/v1/auth/me", &access(&b), None).await.0,
        200
    );
    // TENANT_DELETED goes out through the outbox: events::tenant_deleted_survives_the_cascade...
}
