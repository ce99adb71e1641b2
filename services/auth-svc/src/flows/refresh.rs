//! Refresh-token rotation with reuse detection, and logout.
//!
//! Every refresh marks the presented token rotated and issues its successor in the same family.
//! Presenting a rotated token again means it leaked (or a client raced itself): within the
//! grace window it is treated as a retry of a lost response — the live successor is revoked and
//! a new one issued; after it, the whole family is revoked and the caller must log in again.

use kit::ApiError;
use kit::db::{LookupTx, TenantTx};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::TokenResponse;
use crate::api::client::ClientInfo;
use crate::domain::tokens::{now_ms, sha256_hex};
use crate::flows::ensure_tenant_active;
use crate::flows::session;
use crate::store::sessions::{self, Revoke, Session};
use crate::store::users;

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

pub async fn refresh(
    app: &AppState,
    token: &str,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let (mut tx, session) = open(app, token).await?;
    let now = now_ms();
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(invalid());
    }
    if let Some(rotated_at) = session.rotated_at {
        let grace_ms = i64::try_from(app.config.auth_refresh_reuse_grace_secs * 1000).unwrap_or(0);
        if now - rotated_at > grace_ms {
            sessions::revoke(&mut tx, Revoke::Family(&session.family_id), now).await?;
            tx.commit().await?;
            tracing::warn!(family = %session.family_id, "refresh token reuse: family revoked");
            return Err(ApiError::unauthorized(
                "Refresh token reuse detected; sign in again",
            ));
        }
        sessions::revoke(&mut tx, Revoke::LiveOf(&session.family_id), now).await?;
    }
    let user = users::get(&mut tx, &session.user_id)
        .await?
        .ok_or_else(invalid)?;
    if !user.is_active {
        return Err(ApiError::unauthorized("Account is disabled"));
    }
    ensure_tenant_active(&mut tx).await?;
    sessions::mark_rotated(&mut tx, &session.id, now).await?;
    let tokens = session::issue(app, &mut tx, &user, client, Some(&session.family_id)).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// Ends the session family the token belongs to. Unknown tokens are not an error: the caller
/// wanted to be logged out and is.
pub async fn logout(app: &AppState, token: &str) -> Result<(), ApiError> {
    match open(app, token).await {
        Ok((mut tx, session)) => {
            sessions::revoke(&mut tx, Revoke::Family(&session.family_id), now_ms()).await?;
            tx.commit().await?;
            Ok(())
        }
        Err(ApiError::Client { .. }) => Ok(()),
        Err(err) => Err(err),
    }
}
