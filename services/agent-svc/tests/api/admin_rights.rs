//! Security review M4: an access token's `is_admin` claim can be 15 minutes old, so agent-svc
//! confirms it with auth-svc (which owns the users) before anything only admins may do. A user
//! demoted or deactivated a moment ago is refused with the token they still hold.

use serde_json::{Value, json as j};

use crate::creds;
use crate::helpers::{add_user, assert_error, send, spawn, tenant};
use crate::secrets::{PLAIN, create, id};

async fn set_user(app: &kit::testing::TestApp, user: &str, admin: bool, active: bool) {
    sqlx::query("update auth.users set is_admin = $2, is_active = $3 where id = $1")
        .bind(user)
        .bind(admin)
        .bind(active)
        .execute(&app.db.admin)
        .await
        .expect("change the user in auth-svc's table");
}

/// What only admins (or, for the secret, its creator) may do, with `token`: (status, body) each.
async fn admin_actions(
    app: &kit::testing::TestApp,
    token: &str,
    secret: &str,
) -> Vec<(String, u16, Value)> {
    let calls = [
        (
            "PUT",
            "/v1/settings/".to_owned(),
            Some(j!({"pulseIntervalMinutes": 15})),
        ),
        (
            "PUT",
            "/v1/settings/providers/anthropic".to_owned(),
            Some(j!({"apiKey": "sk-ant-0123456789abcdefghij"})),
        ),
        ("GET", "/v1/admin/shared-providers".to_owned(), None),
        ("GET", "/v1/admin/llm-calls".to_owned(), None),
        (
            "PUT",
            format!("/v1/secrets/{secret}"),
            Some(j!({"name": "Renamed"})),
        ),
    ];
    let mut out = Vec::new();
    for (method, path, body) in calls {
        let (status, answer) = send(app, method, &path, token, body).await;
        out.push((format!("{method} {path}"), status, answer));
    }
    out
}

#[tokio::test]
async fn a_demoted_or_deactivated_admin_is_refused_with_the_token_they_still_hold() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let secret = id(&create(&app, &a, "GitHub", "github_token", PLAIN).await);
    let admin_id = add_user(&app, &a, true).await;
    let token = creds::user(&app, &a, &admin_id, true);
    for (call, status, body) in admin_actions(&app, &token, &secret).await {
        assert_eq!(status, 200, "{call} as a current admin: {body}");
    }

    set_user(&app, &admin_id, false, true).await;
    for (call, status, body) in admin_actions(&app, &token, &secret).await {
        let code = if call.contains("/v1/secrets/") {
            "not_secret_owner"
        } else {
            "admin_required"
        };
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some(code)),
            "{call} after the demotion: {body}"
        );
    }

    set_user(&app, &admin_id, true, false).await;
    for (call, status, body) in admin_actions(&app, &token, &secret).await {
        assert_eq!(status, 403, "{call} after the deactivation: {body}");
    }
    // Nothing the refused calls asked for happened.
    let (_, settings) = send(&app, "GET", "/v1/settings/", &a.token, None).await;
    assert_eq!(settings["pulseIntervalMinutes"], 15, "only the first round");
    let (_, kept) = send(
        &app,
        "GET",
        &format!("/v1/secrets/{secret}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(kept["name"], "Renamed");
}

#[tokio::test]
async fn an_admin_claim_for_a_user_auth_svc_does_not_know_is_refused() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let ghost = creds::user(&app, &a, "usr_ghost00000000000", true);
    let (status, body) = send(
        &app,
        "PUT",
        "/v1/settings/",
        &ghost,
        Some(j!({"pulseIntervalMinutes": 15})),
    )
    .await;
    assert_error(status, &body, 403, "admin_required");
    // The tenant's real administrator (the owner) still is one.
    let (status, body) = send(
        &app,
        "PUT",
        "/v1/settings/",
        &creds::admin(&app, &a),
        Some(j!({"pulseIntervalMinutes": 20})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
