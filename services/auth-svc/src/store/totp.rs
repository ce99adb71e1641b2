//! TOTP state of a user (`auth.users.totp_*`) and recovery codes (`auth.user_recovery_codes`).

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;

/// What the second-factor flows need of a user, read with the row locked.
#[derive(Debug, Clone, FromRow)]
pub struct TotpState {
    /// The user's row: what its sealed secret is bound to.
    pub tenant_id: String,
    pub id: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub is_active: bool,
    /// Encrypted (SecretBox) base32 secret; set by setup before it is enabled.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
}

/// Locks the user's row for the rest of the transaction, so concurrent checks of codes for one
/// user (TOTP steps, recovery codes) run one after the other.
pub async fn lock(tx: &mut TenantTx, user: &str) -> Result<Option<TotpState>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(
        "select tenant_id, id, email, password_hash, is_active, totp_secret, totp_enabled, totp_last_step
           from auth.users where tenant_id = $1 and id = $2 for update",
    )
    .bind(tenant.as_str())
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Stores a new, not yet enabled secret (replacing an unconfirmed one).
pub async fn set_pending_secret(
    tx: &mut TenantTx,
    user: &str,
    encrypted: &str,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update auth.users set totp_secret = $3, totp_last_step = null, updated_at = $4
          where tenant_id = $1 and id = $2 and not totp_enabled",
    )
    .bind(tenant.as_str())
    .bind(user)
    .bind(encrypted)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn enable(tx: &mut TenantTx, user: &str, step: i64, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update auth.users set totp_enabled = true, totp_confirmed_at = $4, totp_last_step = $3,
                updated_at = $4
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant.as_str())
    .bind(user)
    .bind(step)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Remembers the step of an accepted code so it cannot be accepted again.
pub async fn record_step(tx: &mut TenantTx, user: &str, step: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query("update auth.users set totp_last_step = $3 where tenant_id = $1 and id = $2")
        .bind(tenant.as_str())
        .bind(user)
        .bind(step)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Turns TOTP off: the secret and every recovery code are gone.
pub async fn disable(tx: &mut TenantTx, user: &str, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update auth.users set totp_enabled = false, totp_secret = null, totp_confirmed_at = null,
                totp_last_step = null, updated_at = $3
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant.as_str())
    .bind(user)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    delete_codes(tx, user).await
}

async fn delete_codes(tx: &mut TenantTx, user: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query("delete from auth.user_recovery_codes where tenant_id = $1 and user_id = $2")
        .bind(tenant.as_str())
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces all of the user's recovery codes with `hashes`.
pub async fn replace_codes(
    tx: &mut TenantTx,
    user: &str,
    hashes: &[String],
    now: i64,
) -> Result<(), ApiError> {
    delete_codes(tx, user).await?;
    let tenant = tx.tenant().clone();
    sqlx::query(
        "insert into auth.user_recovery_codes (tenant_id, user_id, code_hash, created_at)
         select $1, $2, hash, $4 from unnest($3::text[]) as hash",
    )
    .bind(tenant.as_str())
    .bind(user)
    .bind(hashes)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks an unused code used; `false` when there is no such unused code. One conditional
/// update: of two concurrent uses, the second re-reads the row after the first commits and
/// finds it used.
pub async fn use_code(
    tx: &mut TenantTx,
    user: &str,
    hash: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "update auth.user_recovery_codes set used_at = $4
          where tenant_id = $1 and user_id = $2 and code_hash = $3 and used_at is null",
    )
    .bind(tenant.as_str())
    .bind(user)
    .bind(hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remaining_codes(tx: &mut TenantTx, user: &str) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select count(*) from auth.user_recovery_codes
          where tenant_id = $1 and user_id = $2 and used_at is null",
    )
    .bind(tenant.as_str())
    .bind(user)
    .fetch_one(&mut **tx)
    .await?)
}
