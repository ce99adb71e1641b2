//! The periodic republish of tenant statuses (a Redis flush must not lift a suspension).

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn republishing_restores_a_suspension_lost_from_redis() {
    let app = spawn().await;
    let (_, root) = post(
        &app,
        "/v1/auth/setup",
        json!({"email": "root@x.io", "password": PASSWORD}),
    )
    .await;
    let b = register(&app, "b@x.io").await;
    let b_tenant = b["tenantId"].as_str().expect("tenant");
    send(
        &app,
        "PUT",
        &format!("/v1/tenants/{b_tenant}/status"),
        &access(&root),
        Some(json!({"status": "suspended"})),
    )
    .await;
    let tenant = shared_schemas::ids::TenantId::parse(b_tenant).expect("id");
    let key = app.platform.keys.tenant_status(&tenant);
    let mut conn = app.platform.redis.clone();
    redis::cmd("DEL")
        .arg(&key)
        .query_async::<()>(&mut conn)
        .await
        .expect("del");
    let state =
        auth_svc::AppState::new(app.platform.clone(), auth_config(json!({}))).expect("state");
    let written = auth_svc::flows::status_sync::republish(&state)
        .await
        .expect("republish");
    assert!(written >= 1, "the suspended tenant was written");
    let cached: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("get");
    assert_eq!(
        cached.map(|v| kit::auth::status::decode(&app.platform, &tenant, &v)),
        Some(kit::auth::status::Status::Known(
            kit::auth::status::TenantState::Suspended
        ))
    );
}

#[tokio::test]
async fn a_lost_write_on_reactivation_is_healed_by_one_sync_tick() {
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
    for status in ["suspended", "active"] {
        let (code, body) = send(
            &app,
            "PUT",
            &path,
            &access(&root),
            Some(json!({"status": status})),
        )
        .await;
        assert_eq!(code, 200, "{body}");
    }
    // The SET of "active" never reached Redis: the copy still says suspended.
    let tenant = shared_schemas::ids::TenantId::parse(b_tenant).expect("id");
    let key = app.platform.keys.tenant_status(&tenant);
    let mut conn = app.platform.redis.clone();
    redis::cmd("SET")
        .arg(&key)
        .arg("suspended")
        .query_async::<()>(&mut conn)
        .await
        .expect("set");
    let state =
        auth_svc::AppState::new(app.platform.clone(), auth_config(json!({}))).expect("state");
    auth_svc::flows::status_sync::republish(&state)
        .await
        .expect("republish");
    let cached: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("get");
    assert_eq!(
        cached.map(|v| kit::auth::status::decode(&app.platform, &tenant, &v)),
        Some(kit::auth::status::Status::Known(
            kit::auth::status::TenantState::Active
        )),
        "one tick heals the reactivation with a copy every service can verify"
    );
    // ...so the tenant's writes go through again.
    let (code, body) = send(
        &app,
        "PUT",
        "/v1/users/me/profile",
        &access(&b),
        Some(json!({"displayName": "B again"})),
    )
    .await;
    assert_eq!(code, 200, "{body}");
}
