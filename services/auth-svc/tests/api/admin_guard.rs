//! Who may change administrators (security review M3): only the owner changes admin roles or
//! the active flag of an administrator; nobody demotes or deactivates the owner or a platform
//! administrator; the last administrator survives concurrent demotions.

use serde_json::{Value, json};

use crate::helpers::*;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// An owner and a second administrator (signed in); returns (owner tokens, admin id, admin tokens).
async fn owner_and_admin(app: &kit::testing::TestApp, n: usize) -> (Value, String, Value) {
    let owner = register(app, &format!("owner{n}@x.io")).await;
    let email = format!("admin{n}@x.io");
    let (status, admin) = send(
        app,
        "POST",
        "/v1/users/",
        &access(&owner),
        Some(json!({"email": email, "password": PASSWORD, "isAdmin": true})),
    )
    .await;
    assert_eq!(status, 201, "{admin}");
    let (status, session) = login(app, &email, PASSWORD).await;
    assert_eq!(status, 200, "{session}");
    (owner, id(&admin), session)
}

#[tokio::test]
async fn an_admin_cannot_deactivate_or_demote_the_owner() {
    let app = spawn().await;
    let (owner, _, admin) = owner_and_admin(&app, 0).await;
    let owner_path = format!("/v1/users/{}", id(&owner["user"]));
    for change in [json!({"isActive": false}), json!({"isAdmin": false})] {
        let (status, body) = send(&app, "PUT", &owner_path, &access(&admin), Some(change)).await;
        assert_eq!(status, 403, "{body}");
    }
    let (_, me) = send(&app, "GET", "/v1/users/me/profile", &access(&owner), None).await;
    assert_eq!(
        (me["isAdmin"].as_bool(), me["isActive"].as_bool()),
        (Some(true), Some(true))
    );
    // The owner cannot give up its own role either.
    let (status, _) = send(
        &app,
        "PUT",
        &owner_path,
        &access(&owner),
        Some(json!({"isAdmin": false})),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn only_the_owner_changes_admin_roles() {
    let app = spawn().await;
    let (owner, admin_id, admin) = owner_and_admin(&app, 0).await;
    let (_, member) = send(
        &app,
        "POST",
        "/v1/users/",
        &access(&owner),
        Some(json!({"email": "m@x.io", "password": PASSWORD})),
    )
    .await;
    let member_path = format!("/v1/users/{}", id(&member));
    // An administrator may not promote, nor deactivate another administrator.
    let (status, _) = send(
        &app,
        "PUT",
        &member_path,
        &access(&admin),
        Some(json!({"isAdmin": true})),
    )
    .await;
    assert_eq!(status, 403);
    // ...but still manages members' active flag and names.
    let (status, body) = send(
        &app,
        "PUT",
        &member_path,
        &access(&admin),
        Some(json!({"isActive": false, "displayName": "M"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = send(
        &app,
        "PUT",
        &member_path,
        &access(&owner),
        Some(json!({"isAdmin": true, "isActive": true})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        &app,
        "PUT",
        &member_path,
        &access(&admin),
        Some(json!({"isActive": false})),
    )
    .await;
    assert_eq!(status, 403, "the member is an administrator now");
    // The owner demotes the administrator.
    let admin_path = format!("/v1/users/{admin_id}");
    let (status, body) = send(
        &app,
        "PUT",
        &admin_path,
        &access(&owner),
        Some(json!({"isAdmin": false})),
    )
    .await;
    assert_eq!(
        (status, body["isAdmin"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
}

#[tokio::test]
async fn a_platform_admin_is_never_demoted_deactivated_or_deleted_by_a_tenant_admin() {
    let app = spawn().await;
    let (status, root) = post(
        &app,
        "/v1/auth/setup",
        json!({"email": "root@x.io", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{root}");
    let (_, admin) = send(
        &app,
        "POST",
        "/v1/users/",
        &access(&root),
        Some(json!({"email": "a@x.io", "password": PASSWORD, "isAdmin": true})),
    )
    .await;
    let (_, session) = login(&app, "a@x.io", PASSWORD).await;
    let root_path = format!("/v1/users/{}", id(&root["user"]));
    for change in [json!({"isActive": false}), json!({"isAdmin": false})] {
        assert_eq!(
            send(&app, "PUT", &root_path, &access(&session), Some(change))
                .await
                .0,
            403
        );
    }
    assert_ne!(
        send(&app, "DELETE", &root_path, &access(&session), None)
            .await
            .0,
        200
    );
    assert!(admin["id"].is_string());
}

/// A tenant made in SQL (no argon2, so 50 runs stay fast): (tenant, owner, second admin) ids
/// and the owner's and the admin's access tokens.
async fn cheap_pair(app: &kit::testing::TestApp, n: usize) -> ([String; 3], String, String) {
    let t = app.tenant(&format!("Race {n}")).await;
    let admin = format!("usr_race{n:012}");
    sqlx::query(
        "insert into auth.users (id, tenant_id, email, is_admin, created_at, updated_at)
         values ($1, $2, $3, true, 0, 0)",
    )
    .bind(&admin)
    .bind(t.id.as_str())
    .bind(format!("admin{n}@race.test"))
    .execute(&app.db.admin)
    .await
    .expect("second admin");
    let admin_token = app.token(&t.id, &admin, kit::TokenKind::User);
    (
        [t.id.to_string(), t.user.to_string(), admin],
        t.token,
        admin_token,
    )
}

#[tokio::test]
async fn concurrent_cross_demotion_always_leaves_an_admin() {
    let app = spawn().await;
    for n in 0..50 {
        let ([tenant, owner, admin], owner_token, admin_token) = cheap_pair(&app, n).await;
        let owner_path = format!("/v1/users/{owner}");
        let admin_path = format!("/v1/users/{admin}");
        let demote = Some(json!({"isAdmin": false}));
        let owner_change = if n % 2 == 0 {
            demote.clone()
        } else {
            Some(json!({"isActive": false}))
        };
        tokio::join!(
            send(&app, "PUT", &admin_path, &owner_token, demote.clone()),
            send(&app, "PUT", &owner_path, &admin_token, owner_change),
        );
        let admins = count(
            &app,
            &format!(
                "select count(*) from auth.users where tenant_id = '{tenant}' and is_admin and is_active"
            ),
        )
        .await;
        assert!(admins >= 1, "run {n}: the tenant lost every administrator");
    }
}
