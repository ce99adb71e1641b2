//! The installation's waitlist: public sign-up, platform administration, invitations by email
//! and registration through an invitation.
//!
//! An invitation carries a single-use registration token, stored only as its hash with an
//! expiry. The token is committed before the mail goes out (no transaction is held open across
//! SMTP, and no mail carries a token the database does not know); the entry becomes `invited`
//! only once the server accepted the mail, and a failed delivery withdraws the token again.

use std::net::IpAddr;
use std::time::Duration;

use axum::http::StatusCode;
use kit::error::OrNotFound;
use kit::page::Page;
use kit::{ApiError, TenantContext};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgConnection;

use crate::AppState;
use crate::domain::crypto::bound;
use crate::domain::mail::{self, SmtpSettings};
use crate::domain::tokens::{now_ms, random_secret, sha256_hex};
use crate::flows::tenancy::require_platform_admin;
use crate::store::waitlist::{self as store, EmailSettingsRow, Entry};

pub use crate::domain::mail::PASSWORD_MASK;

/// Waitlist ids: `wl_` + random base36, like the other prefixed ids.
fn new_entry_id() -> String {
    format!("wl_{}", shared_schemas::ids::random_body())
}

fn email_not_configured() -> ApiError {
    ApiError::bad_request(
        "email_not_configured",
        "email settings are not configured (PUT /v1/waitlist/email-settings)",
    )
}

fn invite_invalid() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "invite_invalid",
        "this invitation is invalid, expired, already used or for another email address",
    )
}

/// Counts a sign-up against the client's address (an IPv6 client is one /64, which it usually
/// controls whole). Fails open when Redis is down, like the login guard: the insert is cheap
/// and idempotent, a lost limit is the lesser harm.
async fn admit_join(app: &AppState, ip: Option<IpAddr>) -> Result<(), ApiError> {
    let Some(ip) = ip else { return Ok(()) };
    let bucket = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    };
    let key = app.platform.keys.waitlist_join_ip(&bucket);
    let window = i64::try_from(app.config.waitlist_join_window_secs.max(1)).unwrap_or(3600);
    let mut conn = app.platform.redis.clone();
    let counted: Result<(u64, i64), _> = redis::pipe()
        .atomic()
        .incr(&key, 1)
        .cmd("EXPIRE")
        .arg(&key)
        .arg(window)
        .arg("NX")
        .ignore()
        .ttl(&key)
        .query_async(&mut conn)
        .await;
    match counted {
        Ok((count, ttl)) if count > app.config.waitlist_join_max_per_ip => {
            Err(ApiError::too_many_requests(u64::try_from(ttl).unwrap_or(1)))
        }
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(error = %err, "waitlist rate limiter unavailable, admitting sign-up");
            Ok(())
        }
    }
}

/// Adds `email` (already normalised) unless it is on the list; the answer never says which.
pub async fn join(app: &AppState, ip: Option<IpAddr>, email: &str) -> Result<(), ApiError> {
    admit_join(app, ip).await?;
    let mut conn = app.platform.db.pool().acquire().await?;
    store::join(&mut conn, &new_entry_id(), email, now_ms()).await
}

pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
    status: Option<&str>,
    page: Page,
) -> Result<(Vec<Entry>, i64), ApiError> {
    require_platform_admin(app, ctx).await?;
    let mut conn = app.platform.db.pool().acquire().await?;
    store::list(&mut conn, status, page).await
}

pub async fn delete(app: &AppState, ctx: &TenantContext, id: &str) -> Result<(), ApiError> {
    require_platform_admin(app, ctx).await?;
    let mut conn = app.platform.db.pool().acquire().await?;
    if store::delete(&mut conn, id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("waitlist entry not found"))
    }
}

/// Stored settings with the password decrypted; 400 `email_not_configured` before the first PUT.
async fn smtp_settings(app: &AppState, conn: &mut PgConnection) -> Result<SmtpSettings, ApiError> {
    let row = store::email_settings(conn)
        .await?
        .ok_or_else(email_not_configured)?;
    let password = if row.smtp_password.is_empty() {
        String::new()
    } else {
        app.secrets
            .decrypt_bound(&row.smtp_password, bound::SMTP_PASSWORD)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("SMTP password: {e}")))?
            .plaintext
    };
    Ok(SmtpSettings {
        host: row.smtp_host,
        port: u16::try_from(row.smtp_port).map_err(ApiError::internal)?,
        username: row.smtp_username,
        password: SecretString::from(password),
        use_tls: row.smtp_use_tls,
        from_email: row.from_email,
        from_name: row.from_name,
    })
}

fn smtp_timeout(app: &AppState) -> Duration {
    Duration::from_secs(app.config.smtp_timeout_secs.max(1))
}

/// Sends an invitation to a waiting (or already invited) entry; a new invitation replaces the
/// previous link.
pub async fn invite(app: &AppState, ctx: &TenantContext, id: &str) -> Result<Entry, ApiError> {
    require_platform_admin(app, ctx).await?;
    let mut conn = app.platform.db.pool().acquire().await?;
    let settings = smtp_settings(app, &mut conn).await?;
    drop(conn);

    let token = random_secret("inv_");
    let hash = sha256_hex(&token);
    let ttl = Duration::from_secs(app.config.waitlist_invite_ttl_secs);
    let expires_at = now_ms().saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
    let mut tx = app.platform.db.pool().begin().await?;
    let entry = store::lock(&mut tx, id)
        .await?
        .or_not_found("waitlist entry not found")?;
    if entry.status == "registered" {
        return Err(ApiError::conflict(
            "already_registered",
            "this address has already registered",
        ));
    }
    store::set_invite_token(&mut tx, id, &hash, expires_at).await?;
    tx.commit().await?;

    let link = mail::invitation_link(&app.config.dashboard_url, &token);
    let message = mail::invitation(&entry.email, &link, ttl, &settings.from_name);
    let mut conn = app.platform.db.pool().acquire().await?;
    if let Err(err) = mail::send(&settings, message, smtp_timeout(app)).await {
        store::clear_invite_token(&mut conn, id, &hash).await?;
        return Err(err.into());
    }
    match store::mark_invited(&mut conn, id, &hash, now_ms()).await? {
        Some(entry) => Ok(entry),
        // Deleted, registered or re-invited while the mail was in flight: report it as it is.
        None => store::lock(&mut conn, id)
            .await?
            .or_not_found("waitlist entry not found"),
    }
}

pub async fn send_test(app: &AppState, ctx: &TenantContext, to: &str) -> Result<(), ApiError> {
    require_platform_admin(app, ctx).await?;
    let mut conn = app.platform.db.pool().acquire().await?;
    let settings = smtp_settings(app, &mut conn).await?;
    drop(conn);
    mail::send(&settings, mail::test_message(to), smtp_timeout(app)).await?;
    Ok(())
}

/// The stored settings as they are (password still encrypted), for display.
pub async fn email_settings(
    app: &AppState,
    ctx: &TenantContext,
) -> Result<Option<EmailSettingsRow>, ApiError> {
    require_platform_admin(app, ctx).await?;
    let mut conn = app.platform.db.pool().acquire().await?;
    store::email_settings(&mut conn).await
}

/// Stores new settings; `keep_password` keeps the stored password (a form that sends back the
/// mask, or no password field at all, must not overwrite the secret).
pub async fn save_email_settings(
    app: &AppState,
    ctx: &TenantContext,
    new: SmtpSettings,
    keep_password: bool,
) -> Result<(), ApiError> {
    require_platform_admin(app, ctx).await?;
    let mut tx = app.platform.db.pool().begin().await?;
    let password = match (keep_password, new.password.expose_secret()) {
        (true, _) => store::email_settings(&mut tx)
            .await?
            .map(|row| row.smtp_password)
            .unwrap_or_default(),
        (false, "") => String::new(),
        (false, plain) => app.secrets.encrypt_bound(plain, bound::SMTP_PASSWORD),
    };
    let row = EmailSettingsRow {
        smtp_host: new.host,
        smtp_port: i64::from(new.port),
        smtp_username: new.username,
        smtp_password: password,
        smtp_use_tls: new.use_tls,
        from_email: new.from_email,
        from_name: new.from_name,
    };
    store::save_email_settings(&mut tx, &row, now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// Cheap pre-check before any password hashing: the token is live and was sent to `email`.
pub async fn check_invite(app: &AppState, token: &str, email: &str) -> Result<(), ApiError> {
    let mut conn = app.platform.db.pool().acquire().await?;
    match store::invited_email(&mut conn, &sha256_hex(token), now_ms()).await? {
        Some(invited) if invited == email => Ok(()),
        _ => Err(invite_invalid()),
    }
}

/// Uses the invitation up inside the transaction that creates the account, so a token works
/// exactly once and only together with the account it admitted.
pub async fn redeem(
    conn: &mut PgConnection,
    token: &str,
    email: &str,
    now: i64,
) -> Result<(), ApiError> {
    if store::redeem(conn, &sha256_hex(token), email, now).await? {
        Ok(())
    } else {
        Err(invite_invalid())
    }
}
