//! A demoted, deactivated or deleted user loses its powers at once in every service (security
//! review M4): its API keys' cached answers are forgotten and a short denylist entry refuses the
//! access tokens it held, which other services would otherwise trust for up to 15 minutes.

use serde_json::{Value, json};

use crate::api_keys::{create_key, key};
use crate::helpers::*;
use crate::key_auth::{get_as, other_service};

/// The owner, and an administrator signed in with an API key of its own.
async fn admin_with_key(app: &kit::testing::TestApp) -> (Value, String, String, String) {
    let owner = register(app, "owner@x.io").await;
    let (status, admin) = send(
        app,
        "POST",
        "/v1/users/",
        &access(&owner),
        Some(json!({"email": "a@x.io", "password": PASSWORD, "isAdmin": true})),
    )
    .await;
    assert_eq!(status, 201, "{admin}");
    let (_, session) = login(app, "a@x.io", PASSWORD).await;
    let created = create_key(app, &access(&session), "/v1/auth/api-keys", "script").await;
    let id = admin["id"].as_str().expect("id").to_owned();
    (owner, id, access(&session), key(&created))
}

#[tokio::test]
async fn a_demoted_admins_old_token_and_key_are_refused_at_once() {
    let auth = spawn().await;
    let other = other_service(&auth).await;
    let (owner, admin, jwt, api_key) = admin_with_key(&auth).await;
    // Both credentials work, and the key's answer is now cached with isAdmin.
    assert_eq!(get_as(&other, "/v1/admin-only", &jwt).await.0, 200);
    assert_eq!(get_as(&other, "/v1/admin-only", &api_key).await.0, 200);

    let (status, body) = send(
        &auth,
        "PUT",
        &format!("/v1/users/{admin}"),
        &access(&owner),
        Some(json!({"isAdmin": false})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get_as(&other, "/v1/admin-only", &jwt).await;
    assert!(status == 401 || status == 403, "old JWT: {status} {body}");
    let (status, body) = get_as(&other, "/v1/admin-only", &api_key).await;
    assert!(status == 401 || status == 403, "API key: {status} {body}");
    // The user signs in again and works as the member it now is.
    auth.clock.advance(std::time::Duration::from_secs(2));
    let (_, fresh) = login(&auth, "a@x.io", PASSWORD).await;
    let fresh = access(&fresh);
    assert_eq!(get_as(&other, "/v1/whoami", &fresh).await.0, 200);
    assert_eq!(get_as(&other, "/v1/admin-only", &fresh).await.0, 403);
}

#[tokio::test]
async fn a_deactivated_or_deleted_users_credentials_stop_everywhere() {
    let auth = spawn().await;
    let other = other_service(&auth).await;
    let (owner, admin, jwt, api_key) = admin_with_key(&auth).await;
    assert_eq!(get_as(&other, "/v1/whoami", &jwt).await.0, 200);
    assert_eq!(get_as(&other, "/v1/whoami", &api_key).await.0, 200);
    let path = format!("/v1/users/{admin}");
    let (status, _) = send(
        &auth,
        "PUT",
        &path,
        &access(&owner),
        Some(json!({"isActive": false})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(get_as(&other, "/v1/whoami", &jwt).await.0, 401);
    assert_eq!(get_as(&other, "/v1/whoami", &api_key).await.0, 401);
    assert_eq!(get_as(&auth, "/v1/users/me/profile", &jwt).await.0, 401);

    // Deletion, with a member whose key was cached just before.
    let (_, member) = send(
        &auth,
        "POST",
        "/v1/users/",
        &access(&owner),
        Some(json!({"email": "m@x.io", "password": PASSWORD})),
    )
    .await;
    let (_, session) = login(&auth, "m@x.io", PASSWORD).await;
    let member_key = key(&create_key(&auth, &access(&session), "/v1/auth/api-keys", "k").await);
    assert_eq!(get_as(&other, "/v1/whoami", &member_key).await.0, 200);
    let member_path = format!("/v1/users/{}", member["id"].as_str().expect("id"));
    assert_eq!(
        send(&auth, "DELETE", &member_path, &access(&owner), None)
            .await
            .0,
        200
    );
    assert_eq!(get_as(&other, "/v1/whoami", &member_key).await.0, 401);
    assert_eq!(get_as(&other, "/v1/whoami", &access(&session)).await.0, 401);
}
