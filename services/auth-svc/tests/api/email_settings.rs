//! The installation's outgoing mail settings: stored encrypted, shown masked, and tested.

use auth_svc::domain::crypto::SecretBox;
use serde_json::json;

use crate::helpers::*;
use crate::smtp_sink::{SmtpSink, plain_text};
use crate::waitlist::{SMTP_PASSWORD, configure_mail, mail_settings, platform_admin};

#[tokio::test]
async fn email_settings_are_stored_encrypted_and_shown_masked() {
    let app = spawn().await;
    let admin = platform_admin(&app).await;
    let path = "/v1/waitlist/email-settings";
    let (status, empty) = send(&app, "GET", path, &admin, None).await;
    assert_eq!(status, 200, "{empty}");
    assert_eq!(empty["configured"], false);
    assert_eq!(
        (empty["smtpPort"].as_i64(), empty["smtpUseTls"].as_bool()),
        (Some(587), Some(true))
    );

    configure_mail(&app, &admin, 2525, false).await;
    let stored = || async {
        sqlx::query_scalar::<_, String>("select smtp_password from auth.email_settings")
            .fetch_one(&app.db.admin)
            .await
            .expect("row")
    };
    let cipher = stored().await;
    assert!(!cipher.contains(SMTP_PASSWORD), "{cipher}");
    let key = SecretBox::from_hex(KEY).expect("key");
    // Sealed for its row and column (security review L11), not as a free-floating secret.
    assert!(key.decrypt(&cipher).is_err(), "bound, not a legacy value");
    let opened = key
        .decrypt_bound(&cipher, "auth.email_settings.smtp_password")
        .expect("opens where it belongs");
    assert_eq!(
        (opened.plaintext.as_str(), opened.legacy),
        (SMTP_PASSWORD, false)
    );

    let (_, shown) = send(&app, "GET", path, &admin, None).await;
    assert_eq!(
        shown,
        json!({"smtpHost": "127.0.0.1", "smtpPort": 2525, "smtpUsername": "mailer",
               "smtpPassword": "********", "smtpUseTls": false, "fromEmail": "team@djinn.test",
               "fromName": "DjinnBot Team", "configured": true})
    );
    // Sending the form back (with the mask) or without a password keeps the stored secret.
    let mut form = shown.clone();
    if let Some(o) = form.as_object_mut() {
        o.remove("configured");
    }
    assert_eq!(
        send(&app, "PUT", path, &admin, Some(form.clone())).await.0,
        200
    );
    assert_eq!(stored().await, cipher);
    if let Some(o) = form.as_object_mut() {
        o.remove("smtpPassword");
        o.insert("smtpHost".into(), json!("smtp.djinn.test"));
    }
    assert_eq!(
        send(&app, "PUT", path, &admin, Some(form.clone())).await.0,
        200
    );
    assert_eq!(stored().await, cipher);
    form["smtpPassword"] = json!("a-new-one-entirely");
    assert_eq!(
        send(&app, "PUT", path, &admin, Some(form.clone())).await.0,
        200
    );
    assert_eq!(
        key.decrypt_bound(&stored().await, "auth.email_settings.smtp_password")
            .map(|opened| opened.plaintext)
            .as_deref(),
        Ok("a-new-one-entirely")
    );
    form["smtpPassword"] = json!("");
    assert_eq!(
        send(&app, "PUT", path, &admin, Some(form.clone())).await.0,
        200
    );
    assert_eq!(stored().await, "");
    assert_eq!(
        send(&app, "GET", path, &admin, None).await.1["smtpPassword"],
        ""
    );

    let before = count(&app, "select updated_at from auth.email_settings").await;
    let bad = [
        ("smtpPort", json!(0)),
        ("smtpPort", json!(70000)),
        ("smtpPort", json!("25")),
        ("smtpHost", json!("")),
        ("smtpHost", json!("bad host")),
        ("fromEmail", json!("nobody")),
        ("fromName", json!("x".repeat(300))),
        ("smtpPassword", json!("p".repeat(2000))),
        ("smtpUseTls", json!("yes")),
    ];
    for (field, value) in bad {
        let mut body = mail_settings(25, true);
        body[field] = value.clone();
        let (status, answer) = send(&app, "PUT", path, &admin, Some(body)).await;
        assert_eq!(status, 422, "{field}={value} -> {answer}");
        assert!(
            answer["errors"][0]["path"]
                .as_str()
                .expect("path")
                .contains(field),
            "{answer}"
        );
    }
    let mut missing = mail_settings(25, true);
    missing.as_object_mut().expect("object").remove("fromEmail");
    assert_eq!(send(&app, "PUT", path, &admin, Some(missing)).await.0, 422);
    assert_eq!(
        count(&app, "select updated_at from auth.email_settings").await,
        before
    );
}

#[tokio::test]
async fn a_test_email_arrives_with_the_stored_credentials() {
    let app = spawn().await;
    let admin = platform_admin(&app).await;
    let path = "/v1/waitlist/email-settings/test";
    let body = json!({"recipientEmail": "Ops@Djinn.test"});
    let (status, answer) = send(&app, "POST", path, &admin, Some(body.clone())).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("email_not_configured"))
    );

    let sink = SmtpSink::start().await;
    configure_mail(&app, &admin, sink.port, false).await;
    let (status, answer) = send(&app, "POST", path, &admin, Some(body)).await;
    assert_eq!(
        (status, answer),
        (
            200,
            json!({"recipient": "ops@djinn.test", "status": "sent"})
        )
    );
    let mails = sink.messages();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(
        (mail.from.as_str(), mail.to.as_slice()),
        ("team@djinn.test", &["ops@djinn.test".to_owned()][..])
    );
    assert_eq!(
        mail.auth,
        Some(("mailer".to_owned(), SMTP_PASSWORD.to_owned()))
    );
    assert!(
        mail.data.contains("Subject: DjinnBot test email"),
        "{}",
        mail.data
    );
    assert!(
        mail.data
            .contains("From: \"DjinnBot Team\" <team@djinn.test>"),
        "{}",
        mail.data
    );
    assert!(plain_text(&mail.data).contains("the email settings work"));

    let bad = json!({"recipientEmail": "nope"});
    assert_eq!(send(&app, "POST", path, &admin, Some(bad)).await.0, 422);
    assert_eq!(sink.messages().len(), 1);
}
