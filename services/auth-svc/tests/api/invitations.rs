//! Waitlist invitations: the mail, its single-use registration link, and failed deliveries.

use auth_svc::domain::tokens::sha256_hex;
use kit::testing::TestApp;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::smtp_sink::{SmtpSink, closed_port, invite_token, plain_text};
use crate::waitlist::{configure_mail, entry_id, join, platform_admin};

const DASHBOARD: &str = "https://app.djinn.test";

/// An installation with public registration off, a platform admin, mail going to a sink and
/// `email` waiting on the list.
async fn invitable(email: &str) -> (TestApp, String, SmtpSink, String) {
    let app = spawn_with(json!({"registration_enabled": false, "dashboard_url": DASHBOARD})).await;
    let admin = platform_admin(&app).await;
    let sink = SmtpSink::start().await;
    configure_mail(&app, &admin, sink.port, false).await;
    assert_eq!(join(&app, email).await.0, 200);
    let id = entry_id(&app, email).await;
    (app, admin, sink, id)
}

async fn invite(app: &TestApp, admin: &str, id: &str) -> (u16, Value) {
    send(
        app,
        "POST",
        &format!("/v1/waitlist/{id}/invite"),
        admin,
        None,
    )
    .await
}

async fn register_with(app: &TestApp, email: &str, token: &str) -> (u16, Value) {
    let body = json!({"email": email, "password": PASSWORD, "inviteToken": token});
    post(app, "/v1/auth/register", body).await
}

async fn entry(app: &TestApp, id: &str) -> (String, Option<i64>, Option<i64>, Option<String>) {
    sqlx::query_as(
        "select status, invited_at, registered_at, invite_token_hash
           from auth.waitlist_entries where id = $1",
    )
    .bind(id)
    .fetch_one(&app.db.admin)
    .await
    .expect("entry")
}

#[tokio::test]
async fn an_invitation_link_registers_its_email_once_while_registration_is_disabled() {
    let (app, admin, sink, id) = invitable("ada@x.io").await;
    let (status, answer) = invite(&app, &admin, &id).await;
    assert_eq!(
        (status, answer),
        (
            200,
            json!({"id": id, "email": "ada@x.io", "status": "invited"})
        )
    );
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "exactly one mail");
    assert_eq!(mails[0].to, ["ada@x.io"]);
    assert!(mails[0].data.contains("Subject: Your DjinnBot invitation"));
    assert!(
        mails[0].data.contains("text/html"),
        "with an HTML alternative"
    );
    let text = plain_text(&mails[0].data);
    let token = invite_token(&mails[0].data);
    assert!(
        text.contains(&format!("{DASHBOARD}/register?invite={token}")),
        "{text}"
    );
    assert!(text.contains("7 days"), "{text}");
    let (status, invited_at, registered_at, hash) = entry(&app, &id).await;
    assert_eq!((status.as_str(), registered_at), ("invited", None));
    assert!(invited_at.is_some());
    assert_eq!(hash, Some(sha256_hex(&token)), "stored hashed, never as is");

    // Registration is closed without the token, and the token admits only its own email.
    let plain = json!({"email": "ada@x.io", "password": PASSWORD});
    let (status, body) = post(&app, "/v1/auth/register", plain).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("registration_disabled"))
    );
    let (status, body) = register_with(&app, "eve@x.io", &token).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("invite_invalid"))
    );

    let (status, tokens) = register_with(&app, "ADA@x.io", &token).await;
    assert_eq!(status, 201, "{tokens}");
    assert_eq!(tokens["user"]["email"], "ada@x.io");
    let (status, me) = send(&app, "GET", "/v1/auth/me", &access(&tokens), None).await;
    assert_eq!((status, me["email"].as_str()), (200, Some("ada@x.io")));
    let (status, _, registered_at, hash) = entry(&app, &id).await;
    assert_eq!((status.as_str(), hash), ("registered", None));
    assert!(registered_at.is_some());
    let (_, listed) = send(&app, "GET", "/v1/waitlist/?status=registered", &admin, None).await;
    assert_eq!(listed[0]["registeredAt"].as_i64(), registered_at);

    // Used up: a second registration with it fails, whatever the email.
    for email in ["ada@x.io", "ada2@x.io"] {
        let (status, body) = register_with(&app, email, &token).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("invite_invalid")),
            "{email}"
        );
    }
    // A registered entry is not invited again.
    let (status, body) = invite(&app, &admin, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_registered"))
    );
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(count(&app, "select count(*) from auth.users").await, 2);
}

#[tokio::test]
async fn unknown_expired_and_replaced_invitations_are_refused() {
    let (app, admin, sink, id) = invitable("bob@x.io").await;
    let (status, body) = register_with(&app, "bob@x.io", "inv_0123456789abcdef").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("invite_invalid"))
    );
    let (status, body) = register_with(&app, "bob@x.io", "").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("validation_failed"))
    );

    assert_eq!(invite(&app, &admin, &id).await.0, 200);
    let first = invite_token(&sink.messages()[0].data);
    // A new invitation replaces the link of the previous one.
    assert_eq!(invite(&app, &admin, &id).await.0, 200);
    let second = invite_token(&sink.messages()[1].data);
    assert_ne!(first, second);
    let (status, _) = register_with(&app, "bob@x.io", &first).await;
    assert_eq!(status, 403);

    sqlx::query("update auth.waitlist_entries set invite_expires_at = 1 where id = $1")
        .bind(&id)
        .execute(&app.db.admin)
        .await
        .expect("expire");
    let (status, body) = register_with(&app, "bob@x.io", &second).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("invite_invalid"))
    );
    assert_eq!(entry(&app, &id).await.0, "invited");
    assert_eq!(
        count(&app, "select count(*) from auth.users").await,
        1,
        "only the admin"
    );
}

#[tokio::test]
async fn a_failed_delivery_answers_502_and_invites_nobody() {
    let (app, admin, sink, id) = invitable("cy@x.io").await;
    // Nothing listening.
    configure_mail(&app, &admin, closed_port().await, false).await;
    let (status, body) = invite(&app, &admin, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (502, Some("email_failed")),
        "{body}"
    );
    let detail = body["detail"].as_str().expect("detail");
    assert!(detail.contains("could not be reached"), "{detail}");
    assert!(
        !detail.to_lowercase().contains("refused") && !detail.contains("os error"),
        "{detail}"
    );
    assert_eq!(
        entry(&app, &id).await,
        ("waiting".to_owned(), None, None, None)
    );
    let test = json!({"recipientEmail": "ops@x.io"});
    let path = "/v1/waitlist/email-settings/test";
    assert_eq!(
        send(&app, "POST", path, &admin, Some(test.clone())).await.0,
        502
    );

    // TLS required but the server offers no STARTTLS: no credentials, no message, no invite.
    configure_mail(&app, &admin, sink.port, true).await;
    let (status, body) = invite(&app, &admin, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (502, Some("email_failed")),
        "{body}"
    );
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .contains("STARTTLS"),
        "{body}"
    );
    assert!(sink.connections() > 0, "the sink was contacted");
    assert!(sink.messages().is_empty());
    assert_eq!(
        entry(&app, &id).await,
        ("waiting".to_owned(), None, None, None)
    );
    assert_eq!(send(&app, "POST", path, &admin, Some(test)).await.0, 502);

    // Fixed settings: the same entry is invited normally.
    configure_mail(&app, &admin, sink.port, false).await;
    assert_eq!(invite(&app, &admin, &id).await.0, 200);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn inviting_requires_settings_and_an_existing_entry() {
    let app = spawn_with(json!({"registration_enabled": false})).await;
    let admin = platform_admin(&app).await;
    assert_eq!(join(&app, "dee@x.io").await.0, 200);
    let id = entry_id(&app, "dee@x.io").await;
    let (status, body) = invite(&app, &admin, &id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("email_not_configured"))
    );
    assert_eq!(entry(&app, &id).await.0, "waiting");
    let sink = SmtpSink::start().await;
    configure_mail(&app, &admin, sink.port, false).await;
    for missing in ["wl_missing", "not-an-id"] {
        let (status, body) = invite(&app, &admin, missing).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("not_found")),
            "{missing}"
        );
    }
    assert_eq!(sink.connections(), 0);
}
