//! agent-svc's own extractors on top of kit's: the caller of the internal endpoints.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use kit::auth::api_key::is_api_key;
use kit::auth::bearer_token;
use kit::auth::scope::InternalService;
use kit::{ApiError, Platform};

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
