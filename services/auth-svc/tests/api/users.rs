use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn admins_manage_the_tenants_accounts() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let t = access(&owner);
    let (status, bob) = send(
        &app,
        "POST",
        "/v1/users/",
        &t,
        Some(json!({"email": "Bob@X.io", "password": PASSWORD, "displayName": "Bob"})),
    )
    .await;
    assert_eq!(status, 201, "{bob}");
    assert_eq!(bob["email"], "bob@x.io");
    let bob_path = format!("/v1/users/{}", bob["id"].as_str().expect("id"));
    let (_, list) = send(&app, "GET", "/v1/users/", &t, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let (status, got) = send(
        &app,
        "PUT",
        &bob_path,
        &t,
        Some(json!({"isAdmin": true, "displayName": "Robert"})),
    )
    .await;
    assert_eq!(
        (
            status,
            got["isAdmin"].as_bool(),
            got["displayName"].as_str()
        ),
        (200, Some(true), Some("Robert"))
    );
    assert_eq!(
        send(
            &app,
            "POST",
            "/v1/users/",
            &t,
            Some(json!({"email": "bob@x.io", "password": PASSWORD}))
        )
        .await
        .0,
        409
    );
    assert_eq!(
        send(
            &app,
            "POST",
            "/v1/users/",
            &t,
            Some(json!({"email": "x", "password": PASSWORD}))
        )
        .await
        .0,
        422
    );
    assert_eq!(send(&app, "DELETE", &bob_path, &t, None).await.0, 200);
    assert_eq!(send(&app, "GET", &bob_path, &t, None).await.0, 404);
    let owner_path = format!("/v1/users/{}", owner["user"]["id"].as_str().expect("id"));
    let (status, body) = send(&app, "DELETE", &owner_path, &t, None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("self_delete")));
}

#[tokio::test]
async fn members_are_not_admins_and_the_last_admin_stays() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    send(
        &app,
        "POST",
        "/v1/users/",
        &access(&owner),
        Some(json!({"email": "m@x.io", "password": PASSWORD})),
    )
    .await;
    let (_, m) = login(&app, "m@x.io", PASSWORD).await;
    assert_eq!(
        send(&app, "GET", "/v1/users/", &access(&m), None).await.0,
        403
    );
    assert_eq!(
        send(
            &app,
            "POST",
            "/v1/users/",
            &access(&m),
            Some(json!({"email": "z@x.io", "password": PASSWORD}))
        )
        .await
        .0,
        403
    );
    let me = format!("/v1/users/{}", m["user"]["id"].as_str().expect("id"));
    assert_eq!(
        send(&app, "GET", &me, &access(&m), None).await.0,
        200,
        "members read themselves"
    );
    let owner_path = format!("/v1/users/{}", owner["user"]["id"].as_str().expect("id"));
    let (status, body) = send(
        &app,
        "PUT",
        &owner_path,
        &access(&owner),
        Some(json!({"isAdmin": false})),
    )
    .await;
    // The owner stays an administrator (it could be the last one anyway).
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("protected_account"))
    );
}

#[tokio::test]
async fn deactivation_ends_sessions_and_profiles_are_self_service() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let (_, bob) = send(
        &app,
        "POST",
        "/v1/users/",
        &access(&owner),
        Some(json!({"email": "bob@x.io", "password": PASSWORD})),
    )
    .await;
    let (_, session) = login(&app, "bob@x.io", PASSWORD).await;
    let (status, profile) = send(
        &app,
        "PUT",
        "/v1/users/me/profile",
        &access(&session),
        Some(json!({"displayName": "Bobby", "slackId": "U123", "phoneNumber": "+1 555 0100"})),
    )
    .await;
    assert_eq!(
        (status, profile["displayName"].as_str()),
        (200, Some("Bobby"))
    );
    assert_eq!(
        send(
            &app,
            "PUT",
            "/v1/users/me/profile",
            &access(&session),
            Some(json!({"isAdmin": true}))
        )
        .await
        .0,
        422
    );
    assert_eq!(
        send(
            &app,
            "PUT",
            "/v1/users/me/profile",
            &access(&session),
            Some(json!({"phoneNumber": "call me"}))
        )
        .await
        .0,
        422
    );
    let (_, got) = send(&app, "GET", "/v1/users/me/profile", &access(&session), None).await;
    assert_eq!(got["slackId"], "U123");
    let path = format!("/v1/users/{}", bob["id"].as_str().expect("id"));
    send(
        &app,
        "PUT",
        &path,
        &access(&owner),
        Some(json!({"isActive": false})),
    )
    .await;
    let (status, _) = post(
        &app,
        "/v1/auth/refresh",
        json!({"refreshToken": refresh_token(&session)}),
    )
    .await;
    assert_eq!(status, 401);
}
