//! Waitlist sign-up, administration and email settings.

use kit::auth::{Claims, TokenKind};
use kit::testing::TestApp;
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

use crate::helpers::*;
use crate::smtp_sink::SmtpSink;

pub const SMTP_PASSWORD: &str = "smtp-secret-Pa55";

/// The installation's first user (platform administrator); returns an access token.
pub async fn platform_admin(app: &TestApp) -> String {
    let (status, tokens) = post(
        app,
        "/v1/auth/setup",
        json!({"email": "root@djinn.test", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{tokens}");
    access(&tokens)
}

pub fn mail_settings(port: u16, use_tls: bool) -> Value {
    json!({
        "smtpHost": "127.0.0.1", "smtpPort": port, "smtpUsername": "mailer",
        "smtpPassword": SMTP_PASSWORD, "smtpUseTls": use_tls,
        "fromEmail": "team@djinn.test", "fromName": "DjinnBot Team",
    })
}

pub async fn configure_mail(app: &TestApp, admin: &str, port: u16, use_tls: bool) {
    let body = mail_settings(port, use_tls);
    let (status, answer) = send(app, "PUT", "/v1/waitlist/email-settings", admin, Some(body)).await;
    assert_eq!((status, answer), (200, json!({"status": "ok"})));
}

/// A sign-up from `ip` (HAProxy's X-Forwarded-For, trusted by default).
pub async fn join_from(app: &TestApp, ip: &str, body: Value) -> (u16, Value, Option<String>) {
    let res = app
        .client
        .post("/v1/waitlist/join")
        .header("x-forwarded-for", ip)
        .json(&body)
        .send()
        .await
        .expect("send");
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").to_owned());
    let (status, body) = kit::testing::json(res).await;
    (status, body, retry)
}

pub async fn join(app: &TestApp, email: &str) -> (u16, Value) {
    let (status, body, _) = join_from(app, "198.51.100.1", json!({"email": email})).await;
    (status, body)
}

pub async fn entry_id(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("select id from auth.waitlist_entries where email = $1")
        .bind(email)
        .fetch_one(&app.db.admin)
        .await
        .expect("entry")
}

#[tokio::test]
async fn join_answers_the_same_for_new_and_known_emails_and_validates() {
    let app = spawn().await;
    let (status, first) = join(&app, "Ada@Example.com").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "ok");
    assert!(first["message"].is_string());
    assert_eq!(join(&app, " ada@example.COM ").await, (200, first.clone()));
    let q = "select count(*) from auth.waitlist_entries where email = 'ada@example.com' and status = 'waiting'";
    assert_eq!(count(&app, q).await, 1);

    let bad = [
        json!({"email": "not-an-email"}),
        json!({"email": format!("{}@x.io", "a".repeat(400))}),
        json!({"email": 42}),
        json!({}),
        json!({"email": "b@x.io", "extra": true}),
    ];
    for body in bad {
        let (status, answer, _) = join_from(&app, "198.51.100.2", body.clone()).await;
        assert_eq!(status, 422, "{body} -> {answer}");
        assert_eq!(answer["code"], "validation_failed");
    }
    let res = app
        .client
        .post("/v1/waitlist/join")
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    let res = app
        .client
        .post("/v1/waitlist/join")
        .header("content-type", "text/plain")
        .body("email=a@b.io")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 415);
    assert_eq!(
        count(&app, "select count(*) from auth.waitlist_entries").await,
        1
    );
}

#[tokio::test]
async fn join_is_rate_limited_per_client_address() {
    let app = spawn_with(json!({"waitlist_join_max_per_ip": 3})).await;
    for i in 0..3 {
        let body = json!({"email": format!("u{i}@x.io")});
        assert_eq!(join_from(&app, "203.0.113.7", body).await.0, 200);
    }
    let (status, body, retry) = join_from(&app, "203.0.113.7", json!({"email": "u9@x.io"})).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")));
    let retry: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=3600).contains(&retry), "{retry}");
    // Another address has its own budget; one IPv6 /64 shares one.
    assert_eq!(
        join_from(&app, "203.0.113.8", json!({"email": "v@x.io"}))
            .await
            .0,
        200
    );
    for i in 0..3 {
        let ip = format!("2001:db8:1:2::{i}");
        assert_eq!(
            join_from(&app, &ip, json!({"email": format!("w{i}@x.io")}))
                .await
                .0,
            200
        );
    }
    let (status, ..) = join_from(&app, "2001:db8:1:2::ffff", json!({"email": "z@x.io"})).await;
    assert_eq!(status, 429);
    assert_eq!(
        count(&app, "select count(*) from auth.waitlist_entries").await,
        7
    );
}

#[tokio::test]
async fn platform_admins_list_filter_and_delete_entries() {
    let app = spawn().await;
    let admin = platform_admin(&app).await;
    for email in ["a@x.io", "b@x.io", "c@x.io"] {
        assert_eq!(join(&app, email).await.0, 200);
    }
    let (status, all) = send(&app, "GET", "/v1/waitlist/", &admin, None).await;
    assert_eq!(status, 200, "{all}");
    let emails: Vec<&str> = all
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["email"].as_str())
        .collect();
    assert_eq!(emails, ["c@x.io", "b@x.io", "a@x.io"], "newest first");
    let first = &all[0];
    assert!(first["id"].as_str().expect("id").starts_with("wl_"));
    assert_eq!(first["status"], "waiting");
    assert_eq!(
        (first["invitedAt"].clone(), first["registeredAt"].clone()),
        (Value::Null, Value::Null)
    );
    assert!(first["createdAt"].as_i64().expect("createdAt") > 0);

    let listed = |v: &Value| v.as_array().map(Vec::len);
    let (_, waiting) = send(&app, "GET", "/v1/waitlist/?status=waiting", &admin, None).await;
    assert_eq!(listed(&waiting), Some(3));
    let (_, invited) = send(&app, "GET", "/v1/waitlist/?status=invited", &admin, None).await;
    assert_eq!(listed(&invited), Some(0));
    let (status, bad) = send(&app, "GET", "/v1/waitlist/?status=bogus", &admin, None).await;
    assert_eq!(
        (status, bad["code"].as_str()),
        (422, Some("validation_failed"))
    );

    let id = entry_id(&app, "b@x.io").await;
    let path = format!("/v1/waitlist/{id}");
    let (status, gone) = send(&app, "DELETE", &path, &admin, None).await;
    assert_eq!(
        (status, gone),
        (200, json!({"id": id, "status": "deleted"}))
    );
    let (status, again) = send(&app, "DELETE", &path, &admin, None).await;
    assert_eq!((status, again["code"].as_str()), (404, Some("not_found")));
    assert_eq!(
        send(&app, "DELETE", "/v1/waitlist/wl_nope", &admin, None)
            .await
            .0,
        404
    );
    assert_eq!(
        count(&app, "select count(*) from auth.waitlist_entries").await,
        2
    );
}

#[tokio::test]
async fn only_platform_admins_reach_admin_routes_and_nothing_changes() {
    let app = spawn().await;
    let admin = platform_admin(&app).await;
    let sink = SmtpSink::start().await;
    configure_mail(&app, &admin, sink.port, false).await;
    assert_eq!(join(&app, "ada@x.io").await.0, 200);
    let id = entry_id(&app, "ada@x.io").await;
    let settings_before: (i64, String) =
        sqlx::query_as("select updated_at, smtp_host from auth.email_settings")
            .fetch_one(&app.db.admin)
            .await
            .expect("settings");

    // A tenant administrator of another tenant, the same user with a forged platform claim,
    // and an agent token.
    let other = register(&app, "boss@other.io").await;
    let tenant_admin = access(&other);
    let tenant = TenantId::parse(other["tenantId"].as_str().expect("tenant")).expect("id");
    let mut forged = Claims::access(
        other["user"]["id"].as_str().expect("user"),
        tenant.clone(),
        TokenKind::User,
        std::time::Duration::from_secs(300),
    );
    forged.is_admin = true;
    forged.platform_admin = true;
    let forged = app.mint(&forged);
    let agent = app.token(&tenant, "agt_x", TokenKind::Agent);

    let routes = [
        ("GET", "/v1/waitlist/".to_owned(), None),
        ("GET", "/v1/waitlist/?status=waiting".to_owned(), None),
        ("POST", format!("/v1/waitlist/{id}/invite"), None),
        ("DELETE", format!("/v1/waitlist/{id}"), None),
        ("GET", "/v1/waitlist/email-settings".to_owned(), None),
        (
            "PUT",
            "/v1/waitlist/email-settings".to_owned(),
            Some(mail_settings(1, false)),
        ),
        (
            "POST",
            "/v1/waitlist/email-settings/test".to_owned(),
            Some(json!({"recipientEmail": "x@x.io"})),
        ),
    ];
    for (method, path, body) in &routes {
        for token in [&tenant_admin, &forged, &agent] {
            let (status, answer) = send(&app, method, path, token, body.clone()).await;
            assert_eq!(status, 403, "{method} {path} -> {answer}");
        }
        let mut req = app.client.request(
            reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
            path,
        );
        if let Some(body) = body {
            req = req.json(body);
        }
        assert_eq!(
            req.send().await.expect("send").status(),
            401,
            "{method} {path}"
        );
    }
    let after: (i64, String) =
        sqlx::query_as("select updated_at, smtp_host from auth.email_settings")
            .fetch_one(&app.db.admin)
            .await
            .expect("settings");
    assert_eq!(after, settings_before);
    let q = "select count(*) from auth.waitlist_entries where status = 'waiting' and invite_token_hash is null";
    assert_eq!(count(&app, q).await, 1);
    assert_eq!(sink.connections(), 0, "no mail was attempted");
}
