//! The Admin panel's routes in auth-svc: accounts, notifications and the Slack id lookup, each
//! for the tenant's administrators (and services where the contract has them), tenant by tenant.

use kit::TokenKind;
use serde_json::json;
use shared_schemas::ids::TenantId;

use crate::helpers::*;

fn tenant_of(tokens: &serde_json::Value) -> TenantId {
    TenantId::parse(tokens["tenantId"].as_str().expect("tenant")).expect("tenant id")
}

#[tokio::test]
async fn admins_list_create_change_and_deactivate_accounts() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let t = access(&owner);
    let (status, bob) = send(
        &app,
        "POST",
        "/v1/admin/users",
        &t,
        Some(json!({"email": "bob@x.io", "password": PASSWORD, "displayName": "Bob"})),
    )
    .await;
    assert_eq!(status, 201, "{bob}");
    let bob_id = bob["id"].as_str().expect("id").to_owned();
    let (status, list) = send(&app, "GET", "/v1/admin/users", &t, None).await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (200, Some(2)),
        "{list}"
    );
    for field in [
        "id",
        "email",
        "displayName",
        "isAdmin",
        "isActive",
        "slackId",
        "totpEnabled",
        "createdAt",
        "updatedAt",
    ] {
        assert!(list[0].get(field).is_some(), "{field} missing: {list}");
    }
    let path = format!("/v1/admin/users/{bob_id}");
    let (status, got) = send(
        &app,
        "PUT",
        &path,
        &t,
        Some(json!({"displayName": "Robert"})),
    )
    .await;
    assert_eq!(
        (status, got["displayName"].as_str()),
        (200, Some("Robert")),
        "{got}"
    );

    // A member is no administrator.
    let (_, bob_tokens) = login(&app, "bob@x.io", PASSWORD).await;
    let bob_token = access(&bob_tokens);
    let (status, body) = send(&app, "GET", "/v1/admin/users", &bob_token, None).await;
    assert_eq!(status, 403, "{body}");

    // Delete is a soft delete: the account stays, inactive, and its session ends.
    let (status, done) = send(&app, "DELETE", &path, &t, None).await;
    assert_eq!(
        (status, &done),
        (200, &json!({"status": "deactivated", "userId": bob_id}))
    );
    let (_, bob_now) = send(&app, "GET", &format!("/v1/users/{bob_id}"), &t, None).await;
    assert_eq!(bob_now["isActive"], false);
    let (status, _) = send(&app, "GET", "/v1/users/me/profile", &bob_token, None).await;
    assert_eq!(status, 401, "a deactivated account's token stops working");

    // Bad input and the owner's own account.
    let (status, body) = send(
        &app,
        "POST",
        "/v1/admin/users",
        &t,
        Some(json!({"email": "nope", "password": PASSWORD})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("validation_failed"))
    );
    let me = owner["user"]["id"].as_str().expect("id");
    let (status, body) = send(&app, "DELETE", &format!("/v1/admin/users/{me}"), &t, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("self_deactivate"))
    );
}

#[tokio::test]
async fn notifications_are_recorded_listed_and_marked_read_per_tenant() {
    let app = spawn().await;
    let a = register(&app, "a@x.io").await;
    let b = register(&app, "b@x.io").await;
    let (ta, tb) = (access(&a), access(&b));
    let service = app.token(&tenant_of(&a), "svc:engine-svc", TokenKind::Service);
    let (status, first) = send(
        &app,
        "POST",
        "/v1/admin/notifications",
        &service,
        Some(json!({"level": "error", "title": "Run failed", "detail": "step BUILD"})),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (first["read"].as_bool(), first["level"].as_str()),
        (Some(false), Some("error"))
    );
    let (status, second) = send(
        &app,
        "POST",
        "/v1/admin/notifications",
        &ta,
        Some(json!({"title": "Maintenance tonight"})),
    )
    .await;
    assert_eq!(
        (status, second["level"].as_str()),
        (201, Some("info")),
        "{second}"
    );
    let events = count(
        &app,
        "select count(*) from auth.outbox
        where payload like '%ADMIN_NOTIFICATION_CREATED%'",
    )
    .await;
    assert_eq!(
        events, 2,
        "each notification leaves as an event through the outbox"
    );

    let (status, list) = send(&app, "GET", "/v1/admin/notifications", &ta, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["id"], second["id"], "newest first");
    assert_eq!(list.as_array().map(Vec::len), Some(2));

    // Tenant B sees none of them and cannot mark them; A's stay unread.
    let (_, b_list) = send(&app, "GET", "/v1/admin/notifications", &tb, None).await;
    assert_eq!(b_list, json!([]));
    let read = format!(
        "/v1/admin/notifications/{}/read",
        first["id"].as_str().expect("id")
    );
    let (status, body) = send(&app, "PATCH", &read, &tb, None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (_, marked) = send(
        &app,
        "POST",
        "/v1/admin/notifications/mark-all-read",
        &tb,
        None,
    )
    .await;
    assert_eq!(marked["marked"], 0);
    let unread = "select count(*) from auth.admin_notifications where read_at is null";
    assert_eq!(count(&app, unread).await, 2);

    let (status, body) = send(&app, "PATCH", &read, &ta, None).await;
    assert_eq!((status, body["ok"].as_bool()), (200, Some(true)), "{body}");
    let (_, unread_list) = send(
        &app,
        "GET",
        "/v1/admin/notifications?unread_only=true",
        &ta,
        None,
    )
    .await;
    assert_eq!(
        unread_list.as_array().map(Vec::len),
        Some(1),
        "{unread_list}"
    );
    let (_, marked) = send(
        &app,
        "POST",
        "/v1/admin/notifications/mark-all-read",
        &ta,
        None,
    )
    .await;
    assert_eq!(marked["marked"], 1);
    assert_eq!(count(&app, unread).await, 0);
}

#[tokio::test]
async fn notifications_refuse_bad_input_agents_and_members() {
    let app = spawn().await;
    let a = register(&app, "a@x.io").await;
    let ta = access(&a);
    for body in [
        json!({"title": ""}),
        json!({"title": "x", "level": "panic"}),
        json!({"title": "x", "colour": "red"}),
    ] {
        let (status, out) = send(&app, "POST", "/v1/admin/notifications", &ta, Some(body)).await;
        assert_eq!(
            (status, out["code"].as_str()),
            (422, Some("validation_failed")),
            "{out}"
        );
    }
    let (status, out) = send(&app, "GET", "/v1/admin/notifications?limit=0", &ta, None).await;
    assert_eq!(
        (status, out["code"].as_str()),
        (422, Some("validation_failed")),
        "{out}"
    );
    let agent = app.token(&tenant_of(&a), "agt_1", TokenKind::Agent);
    let (status, _) = send(
        &app,
        "POST",
        "/v1/admin/notifications",
        &agent,
        Some(json!({"title": "let me in"})),
    )
    .await;
    assert_eq!(status, 403);
    send(
        &app,
        "POST",
        "/v1/admin/users",
        &ta,
        Some(json!({"email": "m@x.io", "password": PASSWORD})),
    )
    .await;
    let (_, m) = login(&app, "m@x.io", PASSWORD).await;
    let member = access(&m);
    let (status, _) = send(&app, "GET", "/v1/admin/notifications", &member, None).await;
    assert_eq!(status, 403);
    let (status, _) = send(
        &app,
        "POST",
        "/v1/admin/notifications",
        &member,
        Some(json!({"title": "hi"})),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        count(&app, "select count(*) from auth.admin_notifications").await,
        0
    );
}

#[tokio::test]
async fn a_slack_id_finds_its_account_within_the_tenant_only() {
    let app = spawn().await;
    let a = register(&app, "a@x.io").await;
    let b = register(&app, "b@x.io").await;
    let ta = access(&a);
    let (status, _) = send(
        &app,
        "PUT",
        "/v1/users/me/profile",
        &ta,
        Some(json!({"slackId": "U0ALPHA"})),
    )
    .await;
    assert_eq!(status, 200);
    let service = app.token(&tenant_of(&a), "svc:slack-svc", TokenKind::Service);
    for token in [&ta, &service] {
        let (status, found) = send(&app, "GET", "/v1/users/by-slack-id/U0ALPHA", token, None).await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(
            (found["email"].as_str(), found["userId"].clone()),
            (Some("a@x.io"), a["user"]["id"].clone())
        );
    }
    let b_service = app.token(&tenant_of(&b), "svc:slack-svc", TokenKind::Service);
    for token in [access(&b), b_service] {
        let (status, body) = send(&app, "GET", "/v1/users/by-slack-id/U0ALPHA", &token, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
    }
    let agent = app.token(&tenant_of(&a), "agt_1", TokenKind::Agent);
    let (status, _) = send(&app, "GET", "/v1/users/by-slack-id/U0ALPHA", &agent, None).await;
    assert_eq!(status, 403);
}
