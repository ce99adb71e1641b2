//! The Admin panel's routes in agent-svc: members' skills wait for an administrator, and
//! secrets granted to users — each within the caller's tenant.

use serde_json::{Value, json as j};

use crate::helpers::{add_user, agent, assert_error, send, set_up, spawn, tenant};
use crate::secrets::{PLAIN, admin_token, create, id};

async fn pending_count(app: &kit::testing::TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from agent.skills where approval_status = 'pending'")
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_members_skill_waits_for_an_administrator_before_agents_load_it() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let admin = admin_token(&app, &a, &a.user);
    let b_admin = admin_token(&app, &b, &b.user);
    let coder = agent(&app, &a, "coder").await;
    let body = j!({"name": "deploy-notes", "description": "How we deploy", "content": "Ship it."});
    let (status, skill) = send(&app, "POST", "/v1/skills/", &a.token, Some(body)).await;
    assert_eq!(
        (status, skill["approval_status"].as_str()),
        (200, Some("pending")),
        "{skill}"
    );
    set_up(
        &app,
        "POST",
        &format!("/v1/skills/agents/{coder}/deploy-notes/grant"),
        &a.token,
        None,
    )
    .await;
    let content = format!("/v1/skills/agents/{coder}/deploy-notes/content");
    let (status, body) = send(&app, "GET", &content, &admin, None).await;
    assert_error(status, &body, 409, "skill_not_approved");
    let (_, manifest) = send(
        &app,
        "GET",
        &format!("/v1/skills/agents/{coder}/manifest"),
        &admin,
        None,
    )
    .await;
    assert_eq!(
        manifest["skills"],
        j!([]),
        "a pending skill is not in the manifest"
    );

    // Only administrators see and decide; tenant B's administrator finds nothing of A's.
    let (status, body) = send(&app, "GET", "/v1/admin/pending-approvals", &a.token, None).await;
    assert_error(status, &body, 403, "admin_required");
    let (status, list) = send(&app, "GET", "/v1/admin/pending-approvals", &admin, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["id"], "deploy-notes");
    assert_eq!(
        (
            list[0]["type"].as_str(),
            list[0]["submittedByUserId"].as_str()
        ),
        (Some("skill"), Some(a.user.as_str()))
    );
    let (_, b_list) = send(&app, "GET", "/v1/admin/pending-approvals", &b_admin, None).await;
    assert_eq!(b_list, j!([]));
    for path in [
        "/v1/admin/skills/deploy-notes/approve",
        "/v1/admin/skills/deploy-notes/reject",
    ] {
        let (status, body) = send(&app, "PATCH", path, &b_admin, None).await;
        assert_error(status, &body, 404, "skill_not_found");
    }
    assert_eq!(pending_count(&app).await, 1, "B changed nothing");

    let (status, done) = send(
        &app,
        "PATCH",
        "/v1/admin/skills/deploy-notes/approve",
        &admin,
        None,
    )
    .await;
    assert_eq!(
        (status, &done),
        (200, &j!({"status": "approved", "id": "deploy-notes"}))
    );
    let (status, loaded) = send(&app, "GET", &content, &admin, None).await;
    assert_eq!(
        (status, loaded["content"].as_str()),
        (200, Some("Ship it.")),
        "{loaded}"
    );
    let (status, body) = send(
        &app,
        "PATCH",
        "/v1/admin/skills/deploy-notes/reject",
        &admin,
        None,
    )
    .await;
    assert_error(status, &body, 400, "not_pending");

    // A member's rewrite sends it back to approval; switching it off and on does not.
    let rewrite = j!({"content": "Ship it without tests."});
    let (status, changed) = send(
        &app,
        "PUT",
        "/v1/skills/deploy-notes",
        &a.token,
        Some(rewrite),
    )
    .await;
    assert_eq!(
        (status, changed["approval_status"].as_str()),
        (200, Some("pending")),
        "{changed}"
    );
    let (status, body) = send(&app, "GET", &content, &admin, None).await;
    assert_error(status, &body, 409, "skill_not_approved");
    send(
        &app,
        "PATCH",
        "/v1/admin/skills/deploy-notes/approve",
        &admin,
        None,
    )
    .await;
    let (_, toggled) = send(
        &app,
        "PATCH",
        "/v1/skills/deploy-notes/enabled?enabled=true",
        &a.token,
        None,
    )
    .await;
    assert_eq!(toggled["approval_status"], "approved");
    let (status, body) = send(
        &app,
        "PATCH",
        "/v1/admin/skills/code-review/approve",
        &admin,
        None,
    )
    .await;
    assert_error(status, &body, 400, "not_pending");

    // An administrator's own skill needs no approval; a rejected one stays unloadable.
    let mine = j!({"name": "house-style", "description": "d", "content": "c"});
    let (_, skill) = send(&app, "POST", "/v1/skills/", &admin, Some(mine)).await;
    assert_eq!(skill["approval_status"], "approved");
    let other = j!({"name": "shortcuts", "description": "d", "content": "c"});
    send(&app, "POST", "/v1/skills/", &a.token, Some(other)).await;
    let (status, done) = send(
        &app,
        "PATCH",
        "/v1/admin/skills/shortcuts/reject",
        &admin,
        None,
    )
    .await;
    assert_eq!((status, done["status"].as_str()), (200, Some("rejected")));
    let (status, body) = send(
        &app,
        "PATCH",
        "/v1/admin/skills/nowhere-skill/approve",
        &admin,
        None,
    )
    .await;
    assert_error(status, &body, 404, "skill_not_found");
}

#[tokio::test]
async fn administrators_grant_secrets_to_users_of_their_tenant_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let admin = admin_token(&app, &a, &a.user);
    let b_admin = admin_token(&app, &b, &b.user);
    let secret = id(&create(&app, &a, "GitHub", "GITHUB_TOKEN", PLAIN).await);
    let member = add_user(&app, &a, false).await;
    let member_token = app.token(&a.id, &member, kit::TokenKind::User);
    let b_user = add_user(&app, &b, false).await;
    let grant = format!("/v1/admin/secrets/{secret}/grant-user/{member}");

    let (status, body) = send(&app, "POST", &grant, &a.token, None).await;
    assert_error(status, &body, 403, "admin_required");
    let (status, body) = send(&app, "POST", &grant, &b_admin, None).await;
    assert_eq!(status, 404, "tenant B's admin on A's secret: {body}");
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/admin/secrets/{secret}/grant-user/{b_user}"),
        &admin,
        None,
    )
    .await;
    assert_error(status, &body, 404, "user_not_found");
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/admin/secrets/{secret}/grant-user/..%2F..%2Fauth"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let grants = "select count(*) from agent.secret_user_grants";
    let none: i64 = sqlx::query_scalar(grants)
        .fetch_one(&app.db.admin)
        .await
        .expect("count");
    assert_eq!(none, 0);

    let (status, done) = send(&app, "POST", &grant, &admin, None).await;
    assert_eq!(
        (status, &done),
        (
            201,
            &j!({"status": "granted", "secretId": secret, "userId": member})
        )
    );
    let (status, mine) = send(&app, "GET", "/v1/users/me/secrets", &member_token, None).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(mine[0]["id"], secret.as_str());
    assert!(!mine.to_string().contains(PLAIN), "never the value: {mine}");
    let (_, owner_sees) = send(&app, "GET", "/v1/users/me/secrets", &a.token, None).await;
    assert_eq!(owner_sees, j!([]), "granted to the member only");

    let (status, body) = send(&app, "DELETE", &grant, &b_admin, None).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = send(&app, "DELETE", &grant, &admin, None).await;
    assert_eq!(status, 204);
    let (status, body) = send(&app, "DELETE", &grant, &admin, None).await;
    assert_error(status, &body, 404, "grant_not_found");
    let (_, mine): (u16, Value) =
        send(&app, "GET", "/v1/users/me/secrets", &member_token, None).await;
    assert_eq!(mine, j!([]));
}
