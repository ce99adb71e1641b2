//! Small pieces the settings, provider and call-log routes share: validated query strings,
//! paging bounds and the tenant-admin check.

use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use kit::error::FieldError;
use kit::extract::Validate;
use kit::{ApiError, TenantContext};
use serde::de::DeserializeOwned;

use crate::domain::validate::err;

/// A query string parsed into `T` and checked by `T::validate`; both failures are a 422 in our
/// error body (axum's own rejection would be plain text).
#[derive(Debug, Clone)]
pub struct ValidQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ValidQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Validate,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(value) = Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::validation(vec![err("query", e.body_text())]))?;
        value.validate().map_err(ApiError::validation)?;
        Ok(Self(value))
    }
}

pub const MAX_LIMIT: i64 = 500;
pub const DEFAULT_LIMIT: i64 = 50;

pub fn default_limit() -> i64 {
    DEFAULT_LIMIT
}

/// `limit` in 1..=500 and `offset` ≥ 0.
pub fn check_page(limit: i64, offset: i64, errors: &mut Vec<FieldError>) {
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(err("limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    if offset < 0 {
        errors.push(err("offset", "must not be negative"));
    }
}

/// A user who administers the tenant (the `is_admin` claim auth-svc puts in their token).
pub fn require_admin(ctx: &TenantContext) -> Result<(), ApiError> {
    ctx.require_user()?;
    if !ctx.claims.is_admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "admin_required",
            "this needs a tenant administrator",
        ));
    }
    Ok(())
}

/// An optional filter value: empty strings count as absent (`?agent_id=`).
pub fn present(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.is_empty()).cloned()
}
