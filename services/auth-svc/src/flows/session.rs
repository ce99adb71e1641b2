//! Issuing tokens: an access JWT plus a refresh token stored (hashed) as a session row.

use std::time::Duration;

use kit::auth::{Claims, TokenKind, TokenUse};
use kit::db::TenantTx;
use kit::{ApiError, TenantContext};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::client::ClientInfo;
use crate::api::{TokenResponse, UserOut};
use crate::domain::tokens::{random_secret, sha256_hex};
use crate::store::sessions::{self, NewSession};
use crate::store::users::User;

pub const REFRESH_PREFIX: &str = "djr_";
const PENDING_TOTP_TTL: Duration = Duration::from_secs(300);

fn tenant_of(user: &User) -> Result<TenantId, ApiError> {
    TenantId::parse(user.tenant_id.as_str()).map_err(ApiError::internal)
}

/// Access claims of a user; `totp_verified` says the second factor (if any) was passed. Issued
/// at the platform clock's time, so a denial recorded before it (kit::auth::denylist) can be told
/// apart from one after it.
pub fn access_claims(app: &AppState, user: &User, totp_verified: bool) -> Result<Claims, ApiError> {
    let ttl = Duration::from_secs(app.platform.config.auth_access_token_ttl);
    let mut claims = Claims::access(user.id.clone(), tenant_of(user)?, TokenKind::User, ttl);
    let now = app.platform.clock.now_secs();
    claims.iat = now;
    claims.exp = now + ttl.as_secs();
    claims.is_admin = user.is_admin;
    claims.platform_admin = user.platform_admin;
    claims.totp_verified = totp_verified;
    Ok(claims)
}

/// A session family continued by a rotation: its id and absolute end.
pub struct Family<'a> {
    pub id: &'a str,
    pub expires_at: i64,
}

/// Opens a new session family (a login; callers pass `None`) and returns the token pair.
pub async fn issue(
    app: &AppState,
    tx: &mut TenantTx,
    user: &User,
    client: &ClientInfo,
    family: Option<&str>,
) -> Result<TokenResponse, ApiError> {
    let now = app.platform.clock.now_ms();
    let max = i64::try_from(app.config.family_max().as_millis()).unwrap_or(i64::MAX);
    let limits = Family {
        id: family.unwrap_or_default(),
        expires_at: now.saturating_add(max),
    };
    Ok(open(app, tx, user, client, family, &limits).await?.0)
}

/// The successor of a rotated session in its family; also returns the new session's id.
pub async fn issue_in_family(
    app: &AppState,
    tx: &mut TenantTx,
    user: &User,
    client: &ClientInfo,
    family: &Family<'_>,
) -> Result<(TokenResponse, String), ApiError> {
    open(app, tx, user, client, Some(family.id), family).await
}

async fn open(
    app: &AppState,
    tx: &mut TenantTx,
    user: &User,
    client: &ClientInfo,
    family_id: Option<&str>,
    family: &Family<'_>,
) -> Result<(TokenResponse, String), ApiError> {
    let now = app.platform.clock.now_ms();
    let refresh = random_secret(REFRESH_PREFIX);
    let ttl_ms = i64::try_from(app.config.refresh_ttl().as_millis()).unwrap_or(i64::MAX);
    let ip = client.ip.map(|ip| ip.to_string());
    let id = sessions::insert(
        tx,
        &NewSession {
            user_id: &user.id,
            family_id,
            token_hash: &sha256_hex(&refresh),
            expires_at: now.saturating_add(ttl_ms),
            family_expires_at: family.expires_at,
            ip: ip.as_deref(),
            user_agent: client.user_agent.as_deref(),
        },
        now,
    )
    .await?;
    Ok((token_response(app, user, refresh)?, id))
}

/// A fresh access token with `refresh` as the refresh token.
pub fn token_response(
    app: &AppState,
    user: &User,
    refresh: String,
) -> Result<TokenResponse, ApiError> {
    let claims = access_claims(app, user, true)?;
    Ok(TokenResponse {
        access_token: app.platform.jwt.mint(&claims)?,
        refresh_token: refresh,
        token_type: "Bearer",
        expires_in: app.platform.config.auth_access_token_ttl,
        tenant_id: user.tenant_id.clone(),
        user: UserOut::from(user),
    })
}

/// A short-lived token that only the second-factor endpoints accept.
pub fn pending_totp_token(app: &AppState, user: &User) -> Result<String, ApiError> {
    let mut claims = Claims::access(
        user.id.clone(),
        tenant_of(user)?,
        TokenKind::User,
        PENDING_TOTP_TTL,
    );
    claims.token_use = TokenUse::PendingTotp;
    app.platform.jwt.mint(&claims)
}

/// Verifies a pending-TOTP token and returns its claims as a context.
pub fn verify_pending(app: &AppState, token: &str) -> Result<TenantContext, ApiError> {
    let claims = app
        .platform
        .jwt
        .verify(token)
        .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    if claims.token_use != TokenUse::PendingTotp || claims.kind != TokenKind::User {
        return Err(ApiError::unauthorized("Invalid token type"));
    }
    Ok(TenantContext::from_claims(claims))
}
