//! Tenant B's administrator against tenant A's ids: 404 everywhere, nothing changes.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn tenant_b_admin_cannot_touch_tenant_a_users() {
    let app = spawn().await;
    let a = register(&app, "a@x.io").await;
    let b = register(&app, "b@x.io").await;
    let (_, a_member) = send(
        &app,
        "POST",
        "/v1/users/",
        &access(&a),
        Some(json!({"email": "m@a.io", "password": PASSWORD})),
    )
    .await;
    let before = count(
        &app,
        "select count(*) from auth.users where updated_at = created_at",
    )
    .await;
    let b_token = access(&b);
    for id in [
        a["user"]["id"].as_str().expect("id"),
        a_member["id"].as_str().expect("id"),
    ] {
        let path = format!("/v1/users/{id}");
        let (status, body) = send(&app, "GET", &path, &b_token, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "GET {path}"
        );
        let (status, _) = send(
            &app,
            "PUT",
            &path,
            &b_token,
            Some(json!({"displayName": "pwned", "isAdmin": false})),
        )
        .await;
        assert_eq!(status, 404, "PUT {path}");
        let (status, _) = send(&app, "DELETE", &path, &b_token, None).await;
        assert_eq!(status, 404, "DELETE {path}");
    }
    let (_, listed) = send(&app, "GET", "/v1/users/", &b_token, None).await;
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "B lists only its own"
    );
    assert_eq!(count(&app, "select count(*) from auth.users").await, 3);
    assert_eq!(
        count(
            &app,
            "select count(*) from auth.users where updated_at = created_at"
        )
        .await,
        before
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from auth.users where display_name = 'pwned'"
        )
        .await,
        0
    );
    // B's token never shows A's tenant.
    let (_, t) = send(&app, "GET", "/v1/tenants/me", &b_token, None).await;
    assert_eq!(t["id"], b["tenantId"]);
    // Platform routes are not for tenant admins.
    let a_status = format!(
        "/v1/tenants/{}/status",
        a["tenantId"].as_str().expect("tenant")
    );
    assert_eq!(
        send(
            &app,
            "PUT",
            &a_status,
            &b_token,
            Some(json!({"status": "suspended"}))
        )
        .await
        .0,
        403
    );
    assert_eq!(
        send(&app, "GET", "/v1/tenants/", &b_token, None).await.0,
        403
    );
}
