//! A TOTP secret is sealed for its own account: copied into another user's row (someone with
//! write access to the database) it does not open there (security review L11).

use super::*;

#[tokio::test]
async fn a_totp_secret_copied_into_another_account_does_not_open_there() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@example.com").await;
    let bob = enabled(&app, "bob@example.com").await;
    sqlx::query(
        "update auth.users set totp_secret = (select totp_secret from auth.users where id = $1)
          where id = $2",
    )
    .bind(ada.user_id())
    .bind(bob.user_id())
    .execute(&app.db.admin)
    .await
    .expect("copied");

    let as_bob = pending(&app, "bob@example.com").await;
    let (status, body) = login_totp(&app, &as_bob, &code(&app, &ada.secret, 0)).await;
    assert_eq!(status, 500, "the copied secret does not open: {body}");
    assert!(body["accessToken"].is_null());

    let as_ada = pending(&app, "ada@example.com").await;
    let (status, body) = login_totp(&app, &as_ada, &code(&app, &ada.secret, 0)).await;
    assert_eq!(status, 200, "in its own row it still does: {body}");
}
