//! Recovery codes: one login each, and never twice under concurrency.

use super::*;

#[tokio::test]
async fn a_recovery_code_works_once() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let first = pending(&app, "ada@example.com").await;
    // Typed loosely: lower case, no dash.
    let typed = ada.codes[0].to_lowercase().replace('-', "");
    let (status, tokens) = login_recovery(&app, &first, &typed).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["remainingRecoveryCodes"], 9);
    assert_eq!(tokens["user"]["id"], ada.user_id());
    assert!(tokens["refreshToken"].is_string());
    assert!(claims(&app, &tokens).totp_verified);
    assert_eq!(unused_codes(&app, ada.user_id()).await, 9);

    let second = pending(&app, "ada@example.com").await;
    let (status, body) = login_recovery(&app, &second, &ada.codes[0]).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (401, Some("Invalid or already used recovery code"))
    );
    let (status, tokens) = login_recovery(&app, &second, &ada.codes[1]).await;
    assert_eq!(
        (status, tokens["remainingRecoveryCodes"].as_i64()),
        (200, Some(8))
    );
    assert_eq!(unused_codes(&app, ada.user_id()).await, 8);
}

#[tokio::test]
async fn concurrent_uses_of_one_recovery_code_let_exactly_one_in() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    for code in &ada.codes[..3] {
        let a = pending(&app, "ada@example.com").await;
        let b = pending(&app, "ada@example.com").await;
        let (x, y) = tokio::join!(
            login_recovery(&app, &a, code),
            login_recovery(&app, &b, code)
        );
        let mut statuses = [x.0, y.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 401], "{x:?} {y:?}");
    }
    assert_eq!(unused_codes(&app, ada.user_id()).await, 7);
    // One pending token raced with two different codes: one login, one code spent.
    let p = pending(&app, "ada@example.com").await;
    let (x, y) = tokio::join!(
        login_recovery(&app, &p, &ada.codes[3]),
        login_recovery(&app, &p, &ada.codes[4])
    );
    let mut statuses = [x.0, y.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401], "{x:?} {y:?}");
    assert_eq!(unused_codes(&app, ada.user_id()).await, 6);
}

/// Codes issued before 100-bit codes (`XXXX-XXXX`, stored as plain SHA-256) keep working.
#[tokio::test]
async fn a_code_from_before_the_new_format_still_works() {
    use sha2::Digest;
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let legacy = "0A1B-2C3D";
    sqlx::query(
        "insert into auth.user_recovery_codes (tenant_id, user_id, code_hash, created_at)
         values ($1, $2, $3, 0)",
    )
    .bind(ada.tenant_id())
    .bind(ada.user_id())
    .bind(hex::encode(sha2::Sha256::digest(legacy.as_bytes())))
    .execute(&app.db.admin)
    .await
    .expect("legacy code");
    let pending = pending(&app, "ada@example.com").await;
    let (status, body) = login_recovery(&app, &pending, "0a1b2c3d").await;
    assert_eq!(status, 200, "{body}");
}
