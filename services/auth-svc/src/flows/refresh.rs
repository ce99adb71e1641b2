//! Refresh-token rotation with reuse detection, and logout.
//!
//! Every refresh marks the presented token rotated (the first rotation's instant is kept) and
//! issues its successor in the same family. Presenting a rotated token again:
//! - within `AUTH_REFRESH_REUSE_GRACE_SECS` of its rotation is a client retrying a lost
//!   response (or two tabs refreshing at once): it gets the SAME successor back, with a new
//!   access token, as long as that successor is unused; nothing is revoked and the window does
//!   not move;
//! - after the window, it leaked: the whole family is revoked (`revoke_reason = 'reuse'`) and
//!   the user signs in again.
//!
//! A family also ends `AUTH_REFRESH_FAMILY_MAX_SECS` after its login, whatever the rotations.

use kit::ApiError;
use kit::db::{LookupTx, TenantTx};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::TokenResponse;
use crate::api::client::ClientInfo;
use crate::domain::crypto::bound;
use crate::domain::throttle::{self, Scope};
use crate::domain::tokens::sha256_hex;
use crate::flows::ensure_tenant_active;
use crate::flows::session::{self, Family};
use crate::store::sessions::{self, Reason, Revoke, Session};
use crate::store::users::{self, User};

fn invalid() -> ApiError {
    ApiError::unauthorized("Invalid or expired refresh token")
}

/// Finds the session of a refresh token and continues in its tenant, row locked.
async fn open(app: &AppState, token: &str) -> Result<(TenantTx, Session), ApiError> {
    let hash = sha256_hex(token);
    let mut lookup = LookupTx::begin(app.platform.db.pool(), "app.refresh_hash", &hash).await?;
    let found = sessions::find_by_hash(&mut lookup, &hash)
        .await?
        .ok_or_else(invalid)?;
    let tenant = TenantId::parse(found.tenant_id.as_str()).map_err(ApiError::internal)?;
    let mut tx = lookup.enter_tenant(&tenant).await?;
    let session = sessions::lock(&mut tx, &found.id)
        .await?
        .ok_or_else(invalid)?;
    Ok((tx, session))
}

fn grace_ms(app: &AppState) -> i64 {
    i64::try_from(
        app.config
            .auth_refresh_reuse_grace_secs
            .saturating_mul(1000),
    )
    .unwrap_or(0)
}

pub async fn refresh(
    app: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    if let Some(ip) = client.ip {
        let (_, _, per_ip) = app.config.login_limits();
        throttle::admit(&app.platform, Scope::Refresh, &throttle::bucket(ip), per_ip).await?;
    }
    let (mut tx, session) = open(app, token).await?;
    let now = app.platform.clock.now_ms();
    let family_over = session.family_expires_at.is_some_and(|end| end <= now);
    if session.revoked_at.is_some() || session.expires_at <= now || family_over {
        return Err(invalid());
    }
    if let Some(rotated_at) = session.rotated_at {
        if now - rotated_at > grace_ms(app) {
            sessions::revoke(
                &mut tx,
                Revoke::Family(&session.family_id),
                Reason::Reuse,
                now,
            )
            .await?;
            tx.commit().await?;
            tracing::warn!(family = %session.family_id, "refresh token reuse: family revoked");
            return Err(ApiError::unauthorized(
                "Refresh token reuse detected; sign in again",
            ));
        }
        let user = active_user(&mut tx, &session).await?;
        let tokens = retry(app, &mut tx, &session, &user, now).await?;
        tx.commit().await?;
        return Ok(tokens);
    }
    let user = active_user(&mut tx, &session).await?;
    let family = Family {
        id: &session.family_id,
        expires_at: session
            .family_expires_at
            .unwrap_or_else(|| new_family_end(app, now)),
    };
    let (tokens, successor) =
        session::issue_in_family(app, &mut tx, &user, client, &family).await?;
    let sealed = app
        .secrets
        .encrypt_bound(&tokens.refresh_token, &bound::successor_token(&session.id));
    sessions::mark_rotated(&mut tx, &session.id, &successor, &sealed, now).await?;
    sessions::wipe_successor_tokens(&mut tx, &session.family_id, now - grace_ms(app)).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// A family from before absolute lifetimes gets one from its next rotation.
fn new_family_end(app: &AppState, now: i64) -> i64 {
    now.saturating_add(i64::try_from(app.config.family_max().as_millis()).unwrap_or(i64::MAX))
}

async fn active_user(tx: &mut TenantTx, session: &Session) -> Result<User, ApiError> {
    let user = users::get(tx, &session.user_id)
        .await?
        .ok_or_else(invalid)?;
    if !user.is_active {
        return Err(ApiError::unauthorized("Account is disabled"));
    }
    ensure_tenant_active(tx).await?;
    Ok(user)
}

/// Inside the grace window: the successor the client lost, if nobody has used it yet. A spent
/// successor means another holder of this token (a second tab, or a thief) moved on: nothing is
/// handed out, and the family is left alone until the window is over.
async fn retry(
    app: &AppState,
    tx: &mut TenantTx,
    session: &Session,
    user: &User,
    now: i64,
) -> Result<TokenResponse, ApiError> {
    let (Some(successor_id), Some(sealed)) = (&session.successor_id, &session.successor_token)
    else {
        return Err(invalid());
    };
    let successor = sessions::get(tx, successor_id).await?.ok_or_else(invalid)?;
    let live = successor.rotated_at.is_none()
        && successor.revoked_at.is_none()
        && successor.expires_at > now;
    if !live {
        return Err(invalid());
    }
    let refresh = app
        .secrets
        .decrypt_bound(sealed, &bound::successor_token(&session.id))
        .map_err(ApiError::internal)?
        .plaintext;
    session::token_response(app, user, refresh)
}

/// Ends the session family the token belongs to. Unknown tokens are not an error: the caller
/// wanted to be logged out and is.
pub async fn logout(app: &AppState, token: &str) -> Result<(), ApiError> {
    match open(app, token).await {
        Ok((mut tx, session)) => {
            let now = app.platform.clock.now_ms();
            sessions::revoke(
                &mut tx,
                Revoke::Family(&session.family_id),
                Reason::Logout,
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        Err(ApiError::Client { .. }) => Ok(()),
        Err(err) => Err(err),
    }
}
