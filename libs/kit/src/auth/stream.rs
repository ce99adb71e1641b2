//! Tokens in the query string, accepted only where a client cannot send a header.
//!
//! Browsers' `EventSource` and `WebSocket` cannot set `Authorization`, so streaming routes (SSE
//! and WebSocket upgrades) take [`StreamTenantContext`], which also accepts `?token=<access JWT>`
//! on a GET. Everywhere else a `token` query parameter is refused with 401
//! `query_token_refused`, even beside a valid header: a token in a URL ends up in browser
//! history and proxy logs, and a client that sends one should learn it at once rather than
//! on the day the header goes missing. API keys are never taken from the query string (they
//! live for months; a JWT for minutes). A streaming request carrying both a header and a query
//! token is refused too, so which credential counts is never a guess.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};

use crate::Platform;
use crate::auth::{TenantContext, TokenError, TokenUse, api_key, caller, status};
use crate::error::ApiError;
use crate::ratelimit;

/// The `token` query parameter, if the request has one (even empty).
pub fn query_token(parts: &Parts) -> Option<&str> {
    parts.uri.query().and_then(|q| {
        q.split('&')
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .find(|(k, _)| *k == "token")
            .map(|(_, v)| v)
    })
}

fn refused(detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "query_token_refused", detail)
}

/// Every extractor that authenticates, except the streaming one, calls this first.
pub(crate) fn refuse_query_token(parts: &Parts) -> Result<(), ApiError> {
    match query_token(parts) {
        Some(_) => Err(refused(
            "a token in the query string is accepted only on streaming routes; \
             send it in the Authorization header",
        )),
        None => Ok(()),
    }
}

/// The caller of a streaming route: a [`TenantContext`] from the `Authorization` header, or
/// from `?token=<access JWT>` on a GET without one.
#[derive(Debug, Clone)]
pub struct StreamTenantContext(pub TenantContext);

impl std::ops::Deref for StreamTenantContext {
    type Target = TenantContext;
    fn deref(&self) -> &TenantContext {
        &self.0
    }
}

impl<S> FromRequestParts<S> for StreamTenantContext
where
    S: Send + Sync,
    Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let platform = Platform::from_ref(state);
        if query_token(parts).is_none() {
            let ctx = caller(parts, &platform).await?;
            ctx.refuse_service_key()?;
            return Ok(Self(ctx));
        }
        let ctx = from_query(parts, &platform).await?;
        tracing::Span::current().record("tenant_id", ctx.tenant_id.as_str());
        // The middleware counted only header credentials; this request counts here.
        if let Err(retry_after) = ratelimit::admit(&platform, &ctx.tenant_id).await {
            return Err(ApiError::too_many_requests(retry_after));
        }
        parts.extensions.insert(ctx.clone());
        Ok(Self(ctx))
    }
}

async fn from_query(parts: &Parts, platform: &Platform) -> Result<TenantContext, ApiError> {
    if parts.method != Method::GET {
        return Err(refused(
            "a token in the query string is accepted only on GET",
        ));
    }
    if parts.headers.contains_key(header::AUTHORIZATION) {
        return Err(refused(
            "send the token in the Authorization header or in the query string, not both",
        ));
    }
    let token = query_token(parts).unwrap_or_default();
    if token.is_empty() {
        return Err(ApiError::unauthorized("Not authenticated"));
    }
    if api_key::is_api_key(token) {
        return Err(refused(
            "API keys are not accepted in the query string; send them in the Authorization header",
        ));
    }
    let claims = platform
        .jwt
        .verify(token)
        .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    if claims.token_use != TokenUse::Access {
        return Err(ApiError::unauthorized(TokenError::WrongUse.to_string()));
    }
    let ctx = TenantContext::from_claims(claims);
    status::check(platform, &ctx.tenant_id, !parts.method.is_safe()).await?;
    Ok(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str) -> Parts {
        let (parts, ()) = axum::http::Request::builder()
            .uri(uri)
            .body(())
            .expect("request")
            .into_parts();
        parts
    }

    #[test]
    fn the_token_parameter_is_found_only_by_its_exact_name() {
        assert_eq!(query_token(&parts("/x?a=1&token=abc")), Some("abc"));
        assert_eq!(query_token(&parts("/x?token=")), Some(""));
        assert_eq!(query_token(&parts("/x?token")), Some(""));
        assert_eq!(query_token(&parts("/x?tokens=1&mytoken=2")), None);
        assert_eq!(query_token(&parts("/x")), None);
        assert!(refuse_query_token(&parts("/x?token=abc")).is_err());
        assert!(refuse_query_token(&parts("/x?since=0")).is_ok());
    }
}
