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
    assert_eq!(written, 1, "only the non-active tenant");
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
