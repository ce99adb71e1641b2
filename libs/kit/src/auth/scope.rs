//! Who may call what. Every credential acts within its tenant (the `TenantContext`); on top:
//! - a user (JWT or user API key) acts as that user: [`UserOnly`], [`TenantContext::require_user`];
//! - an agent (runtime JWT or agent API key) acts only as its agent:
//!   [`TenantContext::require_agent`], [`TenantContext::require_access_to_agent`];
//! - a service API key opens only internal endpoints, which take [`ServiceOnly`]; the plain
//!   `TenantContext` extractor refuses it;
//! - service-to-service calls without a tenant (`/internal/...`) take [`InternalService`].

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::Platform;
use crate::auth::{TenantContext, TokenKind, TokenUse, bearer_token, caller};
use crate::error::ApiError;

impl TenantContext {
    /// Whether the request authenticated with an API key rather than a JWT.
    pub fn is_api_key(&self) -> bool {
        self.api_key_id.is_some()
    }

    /// The agent an agent credential is scoped to.
    pub fn agent_id(&self) -> Option<&str> {
        self.claims.agent_id.as_deref()
    }

    pub fn require_user(&self) -> Result<(), ApiError> {
        match self.kind() {
            TokenKind::User => Ok(()),
            _ => Err(ApiError::forbidden("this endpoint is for users only")),
        }
    }

    /// A user signed in interactively: API keys cannot mint or manage credentials, so a leaked
    /// key cannot outlive its revocation.
    pub fn require_session(&self) -> Result<(), ApiError> {
        self.require_user()?;
        if self.is_api_key() {
            return Err(ApiError::forbidden(
                "this endpoint needs a signed-in session",
            ));
        }
        Ok(())
    }

    pub fn require_service(&self) -> Result<(), ApiError> {
        match self.kind() {
            TokenKind::Service => Ok(()),
            _ => Err(ApiError::forbidden("this endpoint is for services only")),
        }
    }

    /// Exactly the agent `agent_id` (an agent's own endpoints, e.g. its runtime callbacks).
    pub fn require_agent(&self, agent_id: &str) -> Result<(), ApiError> {
        if self.kind() == TokenKind::Agent && self.agent_id() == Some(agent_id) {
            return Ok(());
        }
        Err(agent_scope())
    }

    /// Users and services of the tenant may act on any of its agents; an agent only on itself.
    pub fn require_access_to_agent(&self, agent_id: &str) -> Result<(), ApiError> {
        match self.kind() {
            TokenKind::User | TokenKind::Service => Ok(()),
            TokenKind::Agent => self.require_agent(agent_id),
        }
    }

    /// The plain extractor's rule: service API keys only reach endpoints that ask for services.
    pub(crate) fn refuse_service_key(&self) -> Result<(), ApiError> {
        if self.kind() == TokenKind::Service && self.is_api_key() {
            return Err(ApiError::forbidden(
                "service API keys are accepted only on internal endpoints",
            ));
        }
        Ok(())
    }
}

fn agent_scope() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "agent_scope",
        "this credential acts only for another agent",
    )
}

/// A user of the tenant (signed in, or with a user API key).
#[derive(Debug, Clone)]
pub struct UserOnly(pub TenantContext);

impl<S> FromRequestParts<S> for UserOnly
where
    S: Send + Sync,
    Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ctx = TenantContext::from_request_parts(parts, state).await?;
        ctx.require_user()?;
        Ok(Self(ctx))
    }
}

/// A service acting for the tenant: a service API key, or a service JWT minted by one of ours.
#[derive(Debug, Clone)]
pub struct ServiceOnly(pub TenantContext);

impl<S> FromRequestParts<S> for ServiceOnly
where
    S: Send + Sync,
    Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ctx = caller(parts, &Platform::from_ref(state)).await?;
        ctx.require_service()?;
        Ok(Self(ctx))
    }
}

/// Any credential of the tenant, service API keys included; the handler checks the kind.
#[derive(Debug, Clone)]
pub struct AnyCaller(pub TenantContext);

impl<S> FromRequestParts<S> for AnyCaller
where
    S: Send + Sync,
    Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Ok(Self(caller(parts, &Platform::from_ref(state)).await?))
    }
}

/// Another of our services calling an `/internal/...` endpoint with a token minted by
/// `Claims::internal`; `service` is its name. Tenant credentials are refused.
#[derive(Debug, Clone)]
pub struct InternalService {
    pub service: String,
}

impl<S> FromRequestParts<S> for InternalService
where
    S: Send + Sync,
    Platform: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let platform = Platform::from_ref(state);
        // Only from the header: internal tokens never travel in URLs.
        super::stream::refuse_query_token(parts)?;
        let token =
            bearer_token(parts).ok_or_else(|| ApiError::unauthorized("Not authenticated"))?;
        let claims = platform
            .jwt
            .verify(token)
            .map_err(|e| ApiError::unauthorized(e.to_string()))?;
        if claims.token_use != TokenUse::Internal || claims.kind != TokenKind::Service {
            return Err(ApiError::forbidden(
                "internal endpoints are for services only",
            ));
        }
        let service = claims
            .sub
            .strip_prefix("svc:")
            .ok_or_else(|| ApiError::forbidden("internal endpoints are for services only"))?;
        Ok(Self {
            service: service.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use shared_schemas::ids::TenantId;

    use super::*;
    use crate::auth::Claims;

    fn ctx(kind: TokenKind, agent: Option<&str>, key: Option<&str>) -> TenantContext {
        let tenant = TenantId::parse("ten_alpha").expect("valid");
        let mut claims = Claims::access("sub", tenant, kind, Duration::from_secs(60));
        claims.agent_id = agent.map(str::to_owned);
        let mut ctx = TenantContext::from_claims(claims);
        ctx.api_key_id = key.map(str::to_owned);
        ctx
    }

    #[test]
    fn users_act_as_users_and_sessions_exclude_keys() {
        let session = ctx(TokenKind::User, None, None);
        let key = ctx(TokenKind::User, None, Some("ak_1"));
        assert!(session.require_user().is_ok() && key.require_user().is_ok());
        assert!(session.require_session().is_ok());
        assert_eq!(
            key.require_session().map_err(|e| e.status()),
            Err(StatusCode::FORBIDDEN)
        );
        assert!(session.require_service().is_err());
        assert!(session.require_access_to_agent("agt_1").is_ok());
        assert!(session.require_agent("agt_1").is_err());
    }

    #[test]
    fn agents_act_only_as_themselves() {
        let agent = ctx(TokenKind::Agent, Some("agt_1"), Some("ak_1"));
        assert!(agent.require_agent("agt_1").is_ok());
        assert!(agent.require_access_to_agent("agt_1").is_ok());
        assert!(agent.require_agent("agt_2").is_err());
        assert!(agent.require_access_to_agent("agt_2").is_err());
        assert!(agent.require_user().is_err() && agent.require_service().is_err());
        assert!(agent.refuse_service_key().is_ok());
    }

    #[test]
    fn service_keys_are_kept_to_service_endpoints() {
        let key = ctx(TokenKind::Service, None, Some("ak_1"));
        let jwt = ctx(TokenKind::Service, None, None);
        assert!(key.require_service().is_ok() && jwt.require_service().is_ok());
        assert!(key.refuse_service_key().is_err());
        assert!(jwt.refuse_service_key().is_ok());
        assert!(key.require_user().is_err());
    }
}
