//! Opening a transaction on one agent (the check every per-agent use case starts with), and
//! who may read plaintext credentials or act as a tenant administrator.

use std::time::Duration;

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, StatusCode};
use kit::auth::scope::InternalService;
use kit::db::TenantTx;
use kit::{ApiError, Claims, Platform, TenantContext, TokenKind};
use serde::Deserialize;
use shared_schemas::ids::TenantId;

use crate::domain::validate::err;
use crate::store;

/// A tenant transaction on one of the caller's agents, named by its id or its slug (§6b: the
/// monolith's ids were slugs and its clients still pass them), with the agent's id: 404 when the
/// tenant has no such agent (checked first, so another tenant's ids and slugs never answer
/// anything else), 403 when an agent credential reaches for another agent.
pub async fn open_agent(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<(TenantTx, String), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let agent_id = store::agents::resolve(&mut tx, agent_ref).await?;
    ctx.require_access_to_agent(&agent_id)?;
    Ok((tx, agent_id))
}

/// `open_agent` for changes to what an agent may do (its bot tokens, tools, messaging targets):
/// users and services of the tenant make them, the agent itself may not widen its own reach.
pub async fn open_agent_for_change(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<(TenantTx, String), ApiError> {
    let opened = open_agent(platform, ctx, agent_ref).await?;
    if ctx.kind() == TokenKind::Agent {
        return Err(ApiError::forbidden(
            "an agent cannot change its own channels, tools or messaging permissions",
        ));
    }
    Ok(opened)
}

/// Plaintext credentials (provider keys, granted secrets, channel tokens) go only to tokens our
/// own services mint with the platform's signing key. A service API key is refused: any tenant
/// admin can create one, and it would read every member's personal keys (security review M5).
/// Our services call the `/internal/agent/...` paths instead (`routes::internal`).
pub fn require_minted_service(ctx: &TenantContext) -> Result<(), ApiError> {
    ctx.require_service()?;
    if ctx.is_api_key() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "service_key_refused",
            "plaintext credentials are served only to the platform's own services",
        ));
    }
    Ok(())
}

/// An internal caller (`kit::auth::scope::InternalService`, a platform token: no tenant of its
/// own) acting for `tenant`: a service context of that tenant, so the tenant's RLS scopes every
/// query as it does for a tenant service token. 422 for a malformed tenant id; a suspended or
/// deleted tenant is refused as its own credentials are (403 `tenant_suspended`, 401
/// `tenant_deleted`): its runs get no keys.
pub async fn internal_for_tenant(
    platform: &Platform,
    caller: &InternalService,
    tenant: &str,
) -> Result<TenantContext, ApiError> {
    let tenant = TenantId::parse(tenant)
        .map_err(|e| ApiError::validation(vec![err("tenant_id", e.to_string())]))?;
    kit::auth::status::check(platform, &tenant, true).await?;
    let claims = Claims::access(
        format!("svc:{}", caller.service),
        tenant,
        TokenKind::Service,
        INTERNAL_CONTEXT_TTL,
    );
    Ok(TenantContext::from_claims(claims))
}

/// The synthetic context lives for one request; its expiry is never checked.
const INTERNAL_CONTEXT_TTL: Duration = Duration::from_secs(60);

/// auth-svc's answer about a user (`GET /v1/users/{id}`), the two fields the check reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserRow {
    is_admin: bool,
    is_active: bool,
}

/// Whether the caller administers its tenant now (security review M4). The `is_admin` claim can
/// be as old as the access token (15 minutes), so a claim of `true` is confirmed with auth-svc,
/// which owns the users: `GET /v1/users/{id}` with the caller's own credential must answer an
/// active administrator. A claim of `false` is a refusal without asking. Callers ask before
/// opening a transaction (no call to another service while one is open).
pub async fn is_tenant_admin(
    platform: &Platform,
    ctx: &TenantContext,
    authorization: Option<&HeaderValue>,
) -> Result<bool, ApiError> {
    if ctx.kind() != TokenKind::User || !ctx.claims.is_admin {
        return Ok(false);
    }
    let subject = ctx.subject();
    let plain_id = subject
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let Some(authorization) = authorization.filter(|_| plain_id && !subject.is_empty()) else {
        return Ok(false);
    };
    let url = format!(
        "{}/v1/users/{subject}",
        platform.config.auth_svc_url.trim_end_matches('/')
    );
    let res = platform
        .client
        .get(url)
        .header(AUTHORIZATION, authorization.clone())
        .send()
        .await?;
    if res.status() != StatusCode::OK {
        // 401/403/404: the credential or the account no longer opens auth-svc.
        tracing::info!(status = %res.status(), "auth-svc did not confirm the admin claim");
        return Ok(false);
    }
    let row: UserRow = res.json().await.map_err(ApiError::internal)?;
    Ok(row.is_admin && row.is_active)
}

/// 403 `admin_required`: what a user who does not (or no longer) administer the tenant gets.
pub fn admin_required() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "admin_required",
        "this needs a tenant administrator",
    )
}
