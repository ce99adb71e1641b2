//! The second step of a login for a user with TOTP: the pending token from the password step
//! plus a current code or a recovery code.
//!
//! A pending token is good for one completed login: its `jti` is recorded in Redis until the
//! token expires, and a token whose `jti` is recorded is refused. Recording happens after the
//! code is accepted (a typo does not burn the token) and before the transaction commits, with
//! `SET NX`, so of two concurrent completions with one token only one gets tokens. If Redis
//! cannot be reached the login fails rather than letting a token be replayed.

use kit::db::TenantTx;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::TokenResponse;
use crate::api::client::ClientInfo;
use crate::api::totp::{RecoveryLoginRequest, RecoveryLoginResponse, TotpLoginRequest};
use crate::domain::lockout::Guard;
use crate::domain::tokens::now_ms;
use crate::domain::totp::{self as rules, now_secs};
use crate::flows::ensure_tenant_active;
use crate::flows::session;
use crate::flows::totp::{guard, refused, verify_code};
use crate::store::totp::{self as store, TotpState};
use crate::store::users;

fn invalid_pending() -> ApiError {
    ApiError::unauthorized("Invalid or expired pending token")
}

pub async fn login_totp(
    app: &AppState,
    req: TotpLoginRequest,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let pending = open_pending(app, &req.pending_token).await?;
    let (mut tx, state) = lock_user(app, &pending).await?;
    let guard = guard(app, client, &state);
    let step = verify_code(app, &state, &req.code, &guard, refused).await?;
    store::record_step(&mut tx, pending.subject(), step).await?;
    complete(app, tx, &pending, &guard, client).await
}

pub async fn login_recovery(
    app: &AppState,
    req: RecoveryLoginRequest,
    client: &ClientInfo,
) -> Result<RecoveryLoginResponse, ApiError> {
    let pending = open_pending(app, &req.pending_token).await?;
    let (mut tx, state) = lock_user(app, &pending).await?;
    let guard = guard(app, client, &state);
    guard.check().await.map_err(ApiError::too_many_requests)?;
    let code = rules::normalize_recovery_code(&req.code).ok_or_else(invalid_recovery)?;
    let hash = rules::recovery_code_hash(&app.config.recovery_pepper(), &code);
    if !store::use_code(&mut tx, pending.subject(), &hash, now_ms()).await? {
        guard.failed().await;
        return Err(invalid_recovery());
    }
    let remaining = store::remaining_codes(&mut tx, pending.subject()).await?;
    let tokens = complete(app, tx, &pending, &guard, client).await?;
    tracing::info!(user = %pending.subject(), remaining, "login with a recovery code");
    Ok(RecoveryLoginResponse {
        tokens,
        remaining_recovery_codes: remaining,
    })
}

fn invalid_recovery() -> ApiError {
    ApiError::unauthorized("Invalid or already used recovery code")
}

/// Verifies the pending token and refuses one that already completed a login.
async fn open_pending(app: &AppState, token: &str) -> Result<TenantContext, ApiError> {
    let pending = session::verify_pending(app, token)?;
    let mut conn = app.platform.redis.clone();
    let used: bool = redis::cmd("EXISTS")
        .arg(app.platform.keys.pending_totp_used(&pending.claims.jti))
        .query_async(&mut conn)
        .await?;
    if used {
        return Err(invalid_pending());
    }
    Ok(pending)
}

/// The pending token's user, row locked, in the token's tenant; still active and with TOTP on.
async fn lock_user(
    app: &AppState,
    pending: &TenantContext,
) -> Result<(TenantTx, TotpState), ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), &pending.tenant_id).await?;
    let state = store::lock(&mut tx, pending.subject())
        .await?
        .ok_or_else(invalid_pending)?;
    if !state.is_active {
        return Err(ApiError::unauthorized("Account is disabled"));
    }
    // TOTP was turned off since the password step: that login must start over.
    if !state.totp_enabled {
        return Err(invalid_pending());
    }
    ensure_tenant_active(&mut tx).await?;
    Ok((tx, state))
}

/// Spends the pending token, then issues the token pair and commits.
async fn complete(
    app: &AppState,
    mut tx: TenantTx,
    pending: &TenantContext,
    guard: &Guard<'_>,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let ttl = pending.claims.exp.saturating_sub(now_secs()).max(1);
    let mut conn = app.platform.redis.clone();
    let first: Option<String> = redis::cmd("SET")
        .arg(app.platform.keys.pending_totp_used(&pending.claims.jti))
        .arg(1)
        .arg("NX")
        .arg("EX")
        .arg(ttl)
        .query_async(&mut conn)
        .await?;
    if first.is_none() {
        return Err(invalid_pending());
    }
    let user = users::get(&mut tx, pending.subject())
        .await?
        .ok_or_else(invalid_pending)?;
    let tokens = session::issue(app, &mut tx, &user, client, None).await?;
    tx.commit().await?;
    guard.succeeded().await;
    Ok(tokens)
}
