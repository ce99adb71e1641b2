//! JWT verification and minting (HS256 with a `kid` so keys can rotate), and the
//! `TenantContext` extractor: the only place a request's tenant comes from.
//!
//! A request's bearer is either a JWT or an API key (`djb_…`, resolved through auth-svc, see
//! [`api_key`]). Either way the tenant must be active ([`status`]), and handlers narrow who may
//! call them with the scope helpers ([`scope`]).

pub mod api_key;
pub mod denylist;
pub mod scope;
pub mod seal;
pub mod status;
pub mod stream;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use shared_schemas::ids::TenantId;

use crate::config::{CommonConfig, ConfigError};
use crate::error::ApiError;

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    User,
    Agent,
    Service,
}

/// What a token may be used for; only `access` tokens open the API. The name and values match
/// the reference contract's `type` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenUse {
    Access,
    PendingTotp,
    /// A service calling another service's `/internal/...` endpoint; never opens `/v1`.
    Internal,
}

/// The tenant id internal service tokens carry: they speak for no tenant. Generated tenant ids
/// have 16 characters after `ten_`, so no tenant can ever have this one.
pub const PLATFORM_TENANT: &str = "ten_platform";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub tenant_id: TenantId,
    pub kind: TokenKind,
    #[serde(rename = "type")]
    pub token_use: TokenUse,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_admin: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub platform_admin: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub totp_verified: bool,
    /// Set on agent tokens: the agent (and run) the token is scoped to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

impl Claims {
    /// An access token for `sub` in `tenant`, valid for `ttl` from now.
    pub fn access(
        sub: impl Into<String>,
        tenant: TenantId,
        kind: TokenKind,
        ttl: Duration,
    ) -> Self {
        let now = now_secs();
        Self {
            sub: sub.into(),
            tenant_id: tenant,
            kind,
            token_use: TokenUse::Access,
            exp: now + ttl.as_secs(),
            iat: now,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            is_admin: false,
            platform_admin: false,
            totp_verified: false,
            agent_id: None,
            run_id: None,
        }
    }
}

impl Claims {
    /// A short-lived token for `service` to call another service's internal endpoints. Every
    /// service holds the shared signing key, so each mints its own; no token is handed out.
    pub fn internal(service: &str, ttl: Duration) -> Result<Self, ApiError> {
        let tenant = TenantId::parse(PLATFORM_TENANT).map_err(ApiError::internal)?;
        let mut claims = Self::access(format!("svc:{service}"), tenant, TokenKind::Service, ttl);
        claims.token_use = TokenUse::Internal;
        Ok(claims)
    }
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Signing key plus the keys still accepted for verification during a rotation.
pub struct JwtKeys {
    current_kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kids: Vec<_> = self.decoding.keys().collect();
        kids.sort();
        f.debug_struct("JwtKeys")
            .field("current_kid", &self.current_kid)
            .field("accepted_kids", &kids)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("Token expired")]
    Expired,
    #[error("Invalid token")]
    Invalid,
    #[error("Unknown signing key")]
    UnknownKey,
    #[error("Token is missing required claims")]
    MissingClaims,
    #[error("Invalid token type")]
    WrongUse,
}

impl JwtKeys {
    pub fn new(kid: &str, secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let mut decoding = HashMap::new();
        decoding.insert(kid.to_owned(), DecodingKey::from_secret(secret));
        Self {
            current_kid: kid.to_owned(),
            encoding: EncodingKey::from_secret(secret),
            decoding,
            validation,
        }
    }

    /// Adds a key that verifies (but never signs) tokens.
    pub fn accept(mut self, kid: &str, secret: &[u8]) -> Self {
        self.decoding
            .insert(kid.to_owned(), DecodingKey::from_secret(secret));
        self
    }

    pub fn from_config(cfg: &CommonConfig) -> Result<Self, ConfigError> {
        let mut keys = Self::new(&cfg.auth_key_id, cfg.auth_secret().as_bytes());
        for (kid, secret) in cfg.previous_keys()? {
            keys = keys.accept(kid, secret.as_bytes());
        }
        Ok(keys)
    }

    pub fn mint(&self, claims: &Claims) -> Result<String, ApiError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current_kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(ApiError::internal)
    }

    /// Verifies signature, algorithm, key id and expiry, and decodes the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        // decode_header rejects `alg: none` and anything that is not a JWT.
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.decoding.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::Json(_) | ErrorKind::MissingRequiredClaim(_) => {
                    TokenError::MissingClaims
                }
                _ => TokenError::Invalid,
            }
        })?;
        Ok(data.claims)
    }
}

/// The authenticated caller and its tenant. Extracting it answers 401 when the request carries
/// no valid credential in its `Authorization` header or carries a `?token=` (accepted only by
/// streaming routes, [`stream::StreamTenantContext`]), 403/401 when its tenant is
/// suspended/deleted, and 403 for a service API key (those open only internal endpoints,
/// through [`scope::ServiceOnly`]).
#[derive(Debug, Clone)]
pub struct TenantContext {
    pub tenant_id: TenantId,
    pub claims: Arc<Claims>,
    /// Set when the request authenticated with an API key: that key's id.
    pub api_key_id: Option<String>,
}

impl TenantContext {
    pub fn from_claims(claims: Claims) -> Self {
        Self {
            tenant_id: claims.tenant_id.clone(),
            claims: Arc::new(claims),
            api_key_id: None,
        }
    }

    pub fn subject(&self) -> &str {
        &self.claims.sub
    }

    pub fn kind(&self) -> TokenKind {
        self.claims.kind
    }
}

/// The bearer token of the `Authorization` header, if any. A `?token=` is no credential here:
/// only streaming routes take one ([`stream::StreamTenantContext`]).
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// Verifies the request's access JWT, if it has one; `Ok(None)` when there is none. Only the
/// signature and claims: [`authenticate_request`] also takes API keys and checks tenant status.
pub fn authenticate(keys: &JwtKeys, parts: &Parts) -> Result<Option<TenantContext>, TokenError> {
    let Some(token) = bearer_token(parts) else {
        return Ok(None);
    };
    let claims = keys.verify(token)?;
    if claims.token_use != TokenUse::Access {
        return Err(TokenError::WrongUse);
    }
    Ok(Some(TenantContext::from_claims(claims)))
}

/// Why a request's credential was refused, kept in the request extensions by the middleware so
/// the extractor answers with it (public routes ignore it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRejection {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
}

impl AuthRejection {
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            detail: detail.into(),
        }
    }
}

impl From<TokenError> for AuthRejection {
    fn from(err: TokenError) -> Self {
        Self::unauthorized(err.to_string())
    }
}

impl From<AuthRejection> for ApiError {
    fn from(r: AuthRejection) -> Self {
        ApiError::new(r.status, r.code, r.detail)
    }
}

/// Resolves the request's credential (an access JWT or an API key) and checks that its tenant
/// is active. `Ok(None)` when the request carries no credential.
pub async fn authenticate_request(
    platform: &crate::Platform,
    parts: &Parts,
) -> Result<Option<TenantContext>, AuthRejection> {
    let Some(token) = bearer_token(parts) else {
        return Ok(None);
    };
    let ctx = if api_key::is_api_key(token) {
        // Malformed keys are refused inside, before any lookup (L4).
        api_key::resolve(platform, token).await?
    } else {
        let claims = platform.jwt.verify(token)?;
        if claims.token_use != TokenUse::Access {
            return Err(TokenError::WrongUse.into());
        }
        let ctx = TenantContext::from_claims(claims);
        denylist::check(platform, &ctx).await?;
        ctx
    };
    status::check(platform, &ctx.tenant_id, !parts.method.is_safe()).await?;
    Ok(Some(ctx))
}

/// The request's caller, whatever its kind: what the middleware resolved, or resolved now for
/// routers mounted without kit's stack.
pub(crate) async fn caller(
    parts: &mut Parts,
    platform: &crate::Platform,
) -> Result<TenantContext, ApiError> {
    stream::refuse_query_token(parts)?;
    if let Some(ctx) = parts.extensions.get::<TenantContext>() {
        return Ok(ctx.clone());
    }
    if let Some(rejection) = parts.extensions.get::<AuthRejection>() {
        return Err(rejection.clone().into());
    }
    let ctx = authenticate_request(platform, parts)
        .await?
        .ok_or_else(|| ApiError::unauthorized("Not authenticated"))?;
    tracing::Span::current().record("tenant_id", ctx.tenant_id.as_str());
    parts.extensions.insert(ctx.clone());
    Ok(ctx)
}

impl<S> FromRequestParts<S> for TenantContext
where
    S: Send + Sync,
    crate::Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let platform = crate::Platform::from_ref(state);
        let ctx = caller(parts, &platform).await?;
        ctx.refuse_service_key()?;
        Ok(ctx)
    }
}

#[cfg(test)]
mod tests;
