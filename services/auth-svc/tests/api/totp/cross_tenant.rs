//! Tenants apart: the TOTP endpoints take no ids, act on the caller only, and a pending token
//! completes a login only as the user and tenant it was issued for.

use kit::TokenKind;
use kit::auth::{Claims, TokenUse};
use kit::db::TenantTx;
use serde_json::json;
use shared_schemas::ids::TenantId;

use super::*;

fn tenant(id: &str) -> TenantId {
    TenantId::parse(id).expect("tenant id")
}

#[tokio::test]
async fn a_pending_token_signs_in_only_its_own_user() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@a.io").await;
    let bob = enabled(&app, "bob@b.io").await;
    // Re-signed claims pointing Ada's user at Bob's tenant (as if the tenant were swappable):
    // the user does not exist there, so nothing is issued.
    let mut moved = Claims::access(
        ada.user_id(),
        tenant(bob.tenant_id()),
        TokenKind::User,
        std::time::Duration::from_secs(300),
    );
    moved.token_use = TokenUse::PendingTotp;
    let (status, _) = login_totp(&app, &app.mint(&moved), &code(&app, &ada.secret, 0)).await;
    assert_eq!(status, 401);
    // Bob's code with Ada's pending token is just a wrong code.
    let p = pending(&app, "ada@a.io").await;
    assert_eq!(
        login_totp(&app, &p, &code(&app, &bob.secret, 0)).await.0,
        401
    );
    assert_eq!(login_recovery(&app, &p, &bob.codes[0]).await.0, 401);
    assert_eq!(unused_codes(&app, bob.user_id()).await, 10);
    // With Ada's own code it is Ada, in Ada's tenant.
    let (status, tokens) = login_totp(&app, &p, &code(&app, &ada.secret, 0)).await;
    assert_eq!(status, 200);
    assert_eq!(tokens["user"]["id"], ada.user_id());
    assert_eq!(tokens["tenantId"], ada.tenant_id());
    assert_eq!(claims(&app, &tokens).tenant_id.as_str(), ada.tenant_id());
}

#[tokio::test]
async fn tenant_b_cannot_see_or_change_tenant_a_totp() {
    let app = spawn().await;
    let ada = enabled(&app, "ada@a.io").await;
    let bob = register(&app, "bob@b.io").await;
    let b_token = access(&bob);
    // B's admin with A's valid code acts on B only (who has no TOTP).
    let with_a_code = json!({"totpCode": code(&app, &ada.secret, 0)});
    let (status, _) = send(&app, "DELETE", "/v1/auth/totp", &b_token, Some(with_a_code)).await;
    assert_eq!(status, 400);
    let regen = json!({"code": code(&app, &ada.secret, 0)});
    let (status, _) = send(
        &app,
        "POST",
        "/v1/auth/totp/recovery-codes",
        &b_token,
        Some(regen),
    )
    .await;
    assert_eq!(status, 400);
    assert!(totp_enabled(&app, ada.user_id()).await);
    assert_eq!(unused_codes(&app, ada.user_id()).await, 10);
    let stored = |user: String| {
        let pool = app.db.admin.clone();
        async move {
            sqlx::query_scalar::<_, Option<String>>(
                "select totp_secret from auth.users where id = $1",
            )
            .bind(user)
            .fetch_one(&pool)
            .await
            .expect("user")
        }
    };
    let a_secret = stored(ada.user_id().to_owned()).await;
    // B's setup writes B's row only.
    assert_eq!(
        send(&app, "POST", "/v1/auth/totp/setup", &b_token, None)
            .await
            .0,
        200
    );
    assert_eq!(stored(ada.user_id().to_owned()).await, a_secret);

    // Row-level security: as auth-svc's role, B's tenant transaction sees none of A's codes,
    // even when asking for A's user by id; A's sees its ten; no tenant sees nothing.
    let pool = app.db.pool_as("auth_svc").await;
    let rows = |tenant_id: TenantId| {
        let pool = pool.clone();
        let user = ada.user_id().to_owned();
        async move {
            let mut tx = TenantTx::begin(&pool, &tenant_id).await.expect("tx");
            let n: i64 = sqlx::query_scalar(
                "select count(*) from auth.user_recovery_codes where user_id = $1",
            )
            .bind(&user)
            .fetch_one(&mut *tx)
            .await
            .expect("count");
            let hashes: i64 = sqlx::query_scalar("select count(*) from auth.user_recovery_codes")
                .fetch_one(&mut *tx)
                .await
                .expect("count");
            (n, hashes)
        }
    };
    assert_eq!(
        rows(tenant(bob["tenantId"].as_str().expect("b"))).await,
        (0, 0)
    );
    assert_eq!(rows(tenant(ada.tenant_id())).await, (10, 10));
    let bare: i64 = sqlx::query_scalar("select count(*) from auth.user_recovery_codes")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(bare, 0);
    // Nor can B's transaction write rows for A's user.
    let mut tx = TenantTx::begin(&pool, &tenant(bob["tenantId"].as_str().expect("b")))
        .await
        .expect("tx");
    let forged = sqlx::query(
        "insert into auth.user_recovery_codes (tenant_id, user_id, code_hash, created_at)
         values ($1, $2, 'x', 0)",
    )
    .bind(ada.tenant_id())
    .bind(ada.user_id())
    .execute(&mut *tx)
    .await;
    assert!(forged.is_err(), "RLS refuses another tenant's row");
}
