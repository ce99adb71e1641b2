//! Turning the TOTP second factor on and off, and replacing recovery codes.
//!
//! Every code check runs with the user's row locked and goes through the brute-force guard
//! keyed by the user's email: wrong codes (and wrong passwords when disabling) count like failed
//! logins, so neither a stolen access token nor a stolen password lets anyone walk the 10^6 code
//! space. An accepted code's time step is stored, so the same code never works twice.
//!
//! Sessions are left alone when TOTP is turned on or off: access tokens carry no session id, so
//! "the other sessions" cannot be told apart from the caller's, and revoking all of them would
//! only sign the user out of the device they are using. Signing out elsewhere is what logout
//! (per session) and an administrator's deactivation (all sessions) are for.

use kit::db::TenantTx;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::client::ClientInfo;
use crate::api::totp::{
    RecoveryCodesResponse, TotpDisableRequest, TotpEnabledResponse, TotpSetupResponse,
};
use crate::domain::crypto::bound;
use crate::domain::lockout::Guard;
use crate::domain::tokens::now_ms;
use crate::domain::totp::{self, Check};
use crate::store::totp::{self as store, TotpState};

pub fn already_enabled() -> ApiError {
    ApiError::conflict("totp_already_enabled", "TOTP is already enabled")
}

fn not_enabled() -> ApiError {
    ApiError::bad_request("totp_not_enabled", "TOTP is not enabled")
}

const WRONG_CODE: &str = "Invalid TOTP code";
const REPLAYED_CODE: &str = "This code was already used; wait for the next one";

/// How a refused code is answered where the caller is signing in or proving who it is.
pub fn refused(detail: &'static str) -> ApiError {
    ApiError::unauthorized(detail)
}

/// How a refused code is answered while confirming a new setup (the caller is signed in).
fn refused_setup(detail: &'static str) -> ApiError {
    ApiError::bad_request("invalid_code", detail)
}

/// The caller's row, locked, in the caller's tenant.
/// Every TOTP management call needs a signed-in session: a leaked API key must not enroll the
/// thief's authenticator (and receive the recovery codes) nor turn the second factor off.
async fn open(app: &AppState, ctx: &TenantContext) -> Result<(TenantTx, TotpState), ApiError> {
    ctx.require_session()?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let state = store::lock(&mut tx, ctx.subject())
        .await?
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    Ok((tx, state))
}

/// The brute-force guard of this user's account (the same counters as password logins).
pub fn guard<'a>(app: &'a AppState, client: &ClientInfo, state: &TotpState) -> Guard<'a> {
    Guard::new(&app.platform, &app.config, client.ip, &state.email)
}

/// Checks `code` against the stored secret; returns the step to record. A wrong or replayed
/// code is a failed attempt for the guard and answers `refuse(why)`.
pub async fn verify_code(
    app: &AppState,
    state: &TotpState,
    code: &str,
    guard: &Guard<'_>,
    refuse: fn(&'static str) -> ApiError,
) -> Result<i64, ApiError> {
    guard.check().await.map_err(ApiError::too_many_requests)?;
    let sealed = state.totp_secret.as_deref().ok_or_else(not_enabled)?;
    let context = bound::totp_secret(&state.tenant_id, &state.id);
    let secret = app
        .secrets
        .decrypt_bound(sealed, &context)
        .map_err(ApiError::internal)?
        .plaintext;
    match totp::check(
        &secret,
        code,
        app.platform.clock.now_secs(),
        state.totp_last_step,
    )? {
        Check::Accepted(step) => Ok(step),
        Check::Replayed => {
            guard.failed().await;
            Err(refuse(REPLAYED_CODE))
        }
        Check::Wrong => {
            guard.failed().await;
            Err(refuse(WRONG_CODE))
        }
    }
}

/// A new secret for the caller, stored encrypted and not yet enabled.
pub async fn setup(app: &AppState, ctx: &TenantContext) -> Result<TotpSetupResponse, ApiError> {
    let (mut tx, state) = open(app, ctx).await?;
    if state.totp_enabled {
        return Err(already_enabled());
    }
    let secret = totp::new_secret();
    let uri = totp::provisioning_uri(&secret, &app.config.auth_totp_issuer, &state.email)?;
    let sealed = app
        .secrets
        .encrypt_bound(&secret, &bound::totp_secret(&state.tenant_id, &state.id));
    store::set_pending_secret(&mut tx, ctx.subject(), &sealed, now_ms()).await?;
    tx.commit().await?;
    Ok(TotpSetupResponse {
        secret,
        provisioning_uri: uri,
    })
}

/// The first code from the app turns TOTP on and yields the recovery codes.
pub async fn confirm(
    app: &AppState,
    ctx: &TenantContext,
    code: &str,
    client: &ClientInfo,
) -> Result<TotpEnabledResponse, ApiError> {
    let (mut tx, state) = open(app, ctx).await?;
    if state.totp_enabled {
        return Err(already_enabled());
    }
    if state.totp_secret.is_none() {
        return Err(ApiError::conflict(
            "totp_not_set_up",
            "no TOTP setup is pending; call /v1/auth/totp/setup first",
        ));
    }
    let guard = guard(app, client, &state);
    let step = verify_code(app, &state, code, &guard, refused_setup).await?;
    let now = now_ms();
    store::enable(&mut tx, ctx.subject(), step, now).await?;
    let codes = new_recovery_codes(app, &mut tx, ctx.subject(), now).await?;
    tx.commit().await?;
    guard.succeeded().await;
    Ok(TotpEnabledResponse {
        status: "enabled",
        recovery_codes: codes,
        message: "TOTP is enabled. Store these recovery codes safely: each works once, and they \
                  are not shown again.",
    })
}

async fn new_recovery_codes(
    app: &AppState,
    tx: &mut TenantTx,
    user: &str,
    now: i64,
) -> Result<Vec<String>, ApiError> {
    let codes = totp::recovery_codes();
    let pepper = app.config.recovery_pepper();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| totp::recovery_code_hash(&pepper, c))
        .collect();
    store::replace_codes(tx, user, &hashes, now).await?;
    Ok(codes)
}

/// Turns TOTP off after the current password or a current code.
pub async fn disable(
    app: &AppState,
    ctx: &TenantContext,
    req: TotpDisableRequest,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let (mut tx, state) = open(app, ctx).await?;
    if !state.totp_enabled {
        return Err(not_enabled());
    }
    let guard = guard(app, client, &state);
    match (req.password, req.totp_code) {
        (Some(password), _) => {
            guard.check().await.map_err(ApiError::too_many_requests)?;
            if !app
                .hasher
                .verify(password, state.password_hash.clone())
                .await?
            {
                guard.failed().await;
                return Err(ApiError::unauthorized("Invalid password"));
            }
        }
        (None, Some(code)) => {
            // The step need not be recorded: disabling clears it with the secret.
            verify_code(app, &state, &code, &guard, refused).await?;
        }
        (None, None) => {
            return Err(ApiError::bad_request(
                "credentials_required",
                "password or totpCode is required",
            ));
        }
    }
    store::disable(&mut tx, ctx.subject(), now_ms()).await?;
    tx.commit().await?;
    guard.succeeded().await;
    Ok(())
}

/// A current code replaces all recovery codes; the old ones stop working.
pub async fn regenerate_recovery_codes(
    app: &AppState,
    ctx: &TenantContext,
    code: &str,
    client: &ClientInfo,
) -> Result<RecoveryCodesResponse, ApiError> {
    let (mut tx, state) = open(app, ctx).await?;
    if !state.totp_enabled {
        return Err(not_enabled());
    }
    let guard = guard(app, client, &state);
    let step = verify_code(app, &state, code, &guard, refused).await?;
    store::record_step(&mut tx, ctx.subject(), step).await?;
    let codes = new_recovery_codes(app, &mut tx, ctx.subject(), now_ms()).await?;
    tx.commit().await?;
    guard.succeeded().await;
    Ok(RecoveryCodesResponse {
        message: "New recovery codes; the previous ones no longer work.",
        recovery_codes: codes,
    })
}
