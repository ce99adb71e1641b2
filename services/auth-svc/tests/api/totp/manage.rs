//! Setup, confirm, disable and recovery-code regeneration.

use auth_svc::domain::crypto::SecretBox;
use serde_json::json;

use super::*;

#[tokio::test]
async fn setup_stores_an_encrypted_secret_and_confirm_enables_totp() {
    let app = spawn_with(json!({"auth_totp_issuer": "Acme Cloud"})).await;
    let tokens = register(&app, "ada@example.com").await;
    let token = access(&tokens);
    let user = tokens["user"]["id"].as_str().expect("id");
    let (status, setup) = send(&app, "POST", "/v1/auth/totp/setup", &token, None).await;
    assert_eq!(status, 200, "{setup}");
    let secret = setup["secret"].as_str().expect("secret");
    assert_eq!(secret.len(), 32, "160-bit base32 secret");
    assert_eq!(
        setup["provisioningUri"],
        format!(
            "otpauth://totp/Acme%20Cloud:ada%40example.com?secret={secret}&issuer=Acme%20Cloud"
        )
    );
    // Stored sealed: no trace of the secret, and our key opens it.
    let stored: String = sqlx::query_scalar("select totp_secret from auth.users where id = $1")
        .bind(user)
        .fetch_one(&app.db.admin)
        .await
        .expect("stored");
    assert!(!stored.contains(secret), "{stored}");
    // Sealed for this user's row (security review L11).
    let tenant = tokens["tenantId"].as_str().expect("tenant");
    let opened = SecretBox::from_hex(KEY)
        .expect("key")
        .decrypt_bound(&stored, &format!("auth.users.totp_secret:{tenant}:{user}"))
        .expect("opens for its row");
    assert_eq!((opened.plaintext.as_str(), opened.legacy), (secret, false));
    // Not on until confirmed: the password alone still signs in.
    assert!(!totp_enabled(&app, user).await);
    assert!(login(&app, "ada@example.com", PASSWORD).await.1["accessToken"].is_string());

    pin_mid_step(&app);
    let (status, done) = send(
        &app,
        "POST",
        "/v1/auth/totp/confirm",
        &token,
        Some(json!({"code": code(&app, secret, 0)})),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "enabled");
    assert!(done["message"].is_string());
    let codes = done["recoveryCodes"].as_array().expect("codes");
    assert_eq!(codes.len(), 10);
    for c in codes {
        let c = c.as_str().expect("code");
        // 100 bits each: four groups of five base32 characters (review L11).
        let groups: Vec<&str> = c.split('-').collect();
        let base32 =
            |s: &&str| s.len() == 5 && s.chars().all(|x| matches!(x, 'A'..='Z' | '2'..='7'));
        assert!(groups.len() == 4 && groups.iter().all(base32), "{c}");
    }
    assert!(totp_enabled(&app, user).await);
    assert_eq!(unused_codes(&app, user).await, 10);
    // Only hashes are stored.
    let hashes: Vec<String> =
        sqlx::query_scalar("select code_hash from auth.user_recovery_codes where user_id = $1")
            .bind(user)
            .fetch_all(&app.db.admin)
            .await
            .expect("hashes");
    assert!(
        hashes
            .iter()
            .all(|h| h.len() == 64 && !codes.iter().any(|c| c == h.as_str()))
    );
    // Keyed, not a plain SHA-256 a dump could be checked against.
    use sha2::Digest;
    for c in codes {
        let plain = hex::encode(sha2::Sha256::digest(c.as_str().expect("code").as_bytes()));
        assert!(!hashes.contains(&plain), "{c} stored as plain sha256");
    }
    let (_, me) = send(&app, "GET", "/v1/auth/me", &token, None).await;
    assert_eq!(me["totpEnabled"], true);
}

#[tokio::test]
async fn setup_and_confirm_refuse_the_wrong_state() {
    let app = spawn().await;
    let tokens = register(&app, "ada@example.com").await;
    let token = access(&tokens);
    let (status, body) = send(
        &app,
        "POST",
        "/v1/auth/totp/confirm",
        &token,
        Some(json!({"code": "123456"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("totp_not_set_up"))
    );
    // A second setup before confirming replaces the first secret.
    let (_, first) = send(&app, "POST", "/v1/auth/totp/setup", &token, None).await;
    let (_, second) = send(&app, "POST", "/v1/auth/totp/setup", &token, None).await;
    assert_ne!(first["secret"], second["secret"]);
    let old = first["secret"].as_str().expect("secret");
    pin_mid_step(&app);
    let (status, body) = send(
        &app,
        "POST",
        "/v1/auth/totp/confirm",
        &token,
        Some(json!({"code": code(&app, old, 0)})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_code")),
        "{body}"
    );
    let secret = second["secret"].as_str().expect("secret");
    let ok = json!({"code": code(&app, secret, 0)});
    assert_eq!(
        send(&app, "POST", "/v1/auth/totp/confirm", &token, Some(ok))
            .await
            .0,
        200
    );
    let (status, body) = send(&app, "POST", "/v1/auth/totp/setup", &token, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("totp_already_enabled"))
    );
    let again = json!({"code": code(&app, secret, 1)});
    let (status, body) = send(&app, "POST", "/v1/auth/totp/confirm", &token, Some(again)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("totp_already_enabled"))
    );
    // The secret of an enabled user was not replaced by the refused setup.
    let user = tokens["user"]["id"].as_str().expect("id");
    let pending = pending(&app, "ada@example.com").await;
    assert_eq!(
        login_totp(&app, &pending, &code(&app, secret, 1)).await.0,
        200
    );
    assert!(totp_enabled(&app, user).await);
}

#[tokio::test]
async fn disable_with_password_then_with_code() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let token = ada.access();
    let (status, _) = send(
        &app,
        "DELETE",
        "/v1/auth/totp",
        &token,
        Some(json!({"password": "not the password"})),
    )
    .await;
    assert_eq!(status, 401);
    assert!(totp_enabled(&app, ada.user_id()).await);
    let (status, body) = send(
        &app,
        "DELETE",
        "/v1/auth/totp",
        &token,
        Some(json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!((status, body), (200, json!({"status": "disabled"})));
    assert!(!totp_enabled(&app, ada.user_id()).await);
    assert_eq!(
        count(&app, "select count(*) from auth.user_recovery_codes").await,
        0
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from auth.users where totp_secret is not null or totp_confirmed_at is not null"
        )
        .await,
        0
    );
    let (status, tokens) = login(&app, "ada@example.com", PASSWORD).await;
    assert!(
        status == 200 && tokens["accessToken"].is_string(),
        "{tokens}"
    );
    let (status, body) = send(
        &app,
        "DELETE",
        "/v1/auth/totp",
        &token,
        Some(json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("totp_not_enabled"))
    );

    // On again, then off with a code; a wrong or replayed code is refused first.
    let (secret, _, confirmed_with) = enable(&app, &token).await;
    for refused in ["000000".to_owned(), confirmed_with] {
        let body = json!({"totpCode": refused});
        let (status, _) = send(&app, "DELETE", "/v1/auth/totp", &token, Some(body)).await;
        assert_eq!(status, 401);
    }
    assert!(totp_enabled(&app, ada.user_id()).await);
    let body = json!({"totpCode": code(&app, &secret, 0)});
    let (status, _) = send(&app, "DELETE", "/v1/auth/totp", &token, Some(body)).await;
    assert_eq!(status, 200);
    assert!(!totp_enabled(&app, ada.user_id()).await);
}

#[tokio::test]
async fn regenerating_recovery_codes_invalidates_the_old_ones() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let token = ada.access();
    let wrong = json!({"code": "000000"});
    let (status, _) = send(
        &app,
        "POST",
        "/v1/auth/totp/recovery-codes",
        &token,
        Some(wrong),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = send(
        &app,
        "POST",
        "/v1/auth/totp/recovery-codes",
        &token,
        Some(json!({"code": code(&app, &ada.secret, 0)})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let fresh: Vec<String> = body["recoveryCodes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !ada.codes.contains(c)));
    assert_eq!(unused_codes(&app, ada.user_id()).await, 10);
    let p = pending(&app, "ada@example.com").await;
    assert_eq!(login_recovery(&app, &p, &ada.codes[0]).await.0, 401);
    let (status, tokens) = login_recovery(&app, &p, &fresh[0]).await;
    assert_eq!(
        (status, tokens["remainingRecoveryCodes"].as_i64()),
        (200, Some(9))
    );

    // Not enabled: nothing to regenerate.
    let bob = register(&app, "bob@example.com").await;
    let body = json!({"code": code(&app, &ada.secret, 0)});
    let (status, body) = send(
        &app,
        "POST",
        "/v1/auth/totp/recovery-codes",
        &access(&bob),
        Some(body),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("totp_not_enabled"))
    );
}
