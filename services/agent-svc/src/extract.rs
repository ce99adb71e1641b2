//! agent-svc's own extractors on top of kit's: a user's tenant-admin rights, confirmed with
//! auth-svc rather than read from the token alone (`flows::access::is_tenant_admin`), and the
//! caller of the internal endpoints.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use kit::auth::api_key::is_api_key;
use kit::auth::bearer_token;
use kit::auth::scope::InternalService;
use kit::{ApiError, Platform, TenantContext};

use crate::flows::access::{admin_required, is_tenant_admin};

/// A user of the tenant and whether they administer it now (for rules like "admins and the
/// creator"). Other credentials get the 403 of `kit::auth::scope::UserOnly`.
#[derive(Debug, Clone)]
pub struct UserRights {
    pub ctx: TenantContext,
    pub admin: bool,
}

impl<S> FromRequestParts<S> for UserRights
where
    S: Send + Sync,
    Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ctx = TenantContext::from_request_parts(parts, state).await?;
        ctx.require_user()?;
        let platform = Platform::from_ref(state);
        let admin = is_tenant_admin(&platform, &ctx, parts.headers.get(AUTHORIZATION)).await?;
        Ok(Self { ctx, admin })
    }
}

/// A user who administers the tenant now; 403 `admin_required` for anyone else, including a
/// user whose token still claims an admin role auth-svc has since taken away.
#[derive(Debug, Clone)]
pub struct TenantAdmin(pub TenantContext);

impl<S> FromRequestParts<S> for TenantAdmin
where
    S: Send + Sync,
    Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let rights = UserRights::from_request_parts(parts, state).await?;
        if !rights.admin {
            return Err(admin_required());
        }
        Ok(Self(rights.ctx))
    }
}

/// `kit::auth::scope::InternalService`, with one more answer: an API key (which kit's extractor
/// cannot read, 401) is a credential of a tenant, so it gets the 403 every tenant credential gets
/// on internal endpoints (security review M5: service API keys never read plaintext here).
#[derive(Debug, Clone)]
pub struct InternalCaller(pub InternalService);

impl<S> FromRequestParts<S> for InternalCaller
where
    S: Send + Sync,
    Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if bearer_token(parts).is_some_and(is_api_key) {
            return Err(ApiError::forbidden(
                "internal endpoints are for services only",
            ));
        }
        Ok(Self(
            InternalService::from_request_parts(parts, state).await?,
        ))
    }
}
