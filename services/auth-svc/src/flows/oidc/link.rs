//! Linking an OIDC identity to an existing account, started by that account itself (security
//! review H3): the account's signed-in session asks for a one-time ticket, the browser goes
//! through the provider with it, and the callback links the identity to exactly that account.
//!
//! The provider must also have verified that the identity's email is the account's email.
//! Without that, an attacker could start a link for their own account and have a victim's
//! browser complete it with the victim's identity, which would then sign the victim in to the
//! attacker's account.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kit::db::{LookupTx, TenantTx};
use kit::{ApiError, TenantContext};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::oidc::LinkStarted;
use crate::domain::validate;
use crate::flows::ensure_tenant_active;
use crate::flows::oidc::account::Identity;
use crate::flows::oidc::login::find_provider;
use crate::store::oidc::Provider;
use crate::store::users;

const TICKET_TTL_SECS: u64 = 120;
const MAX_TICKET: usize = 64;

/// The account a link ticket was issued to; kept with the login state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkTarget {
    pub tenant_id: String,
    pub user_id: String,
    pub provider_id: String,
}

fn conflict(detail: &str) -> ApiError {
    ApiError::bad_request("account_conflict", detail.to_owned())
}

/// A provider the caller may link: the platform's or their own tenant's.
fn usable_by(p: &Provider, tenant: &str) -> bool {
    p.tenant_id.as_deref().is_none_or(|t| t == tenant)
}

/// Issues the ticket for the caller's account (a signed-in session, never an API key).
pub async fn start(
    app: &AppState,
    ctx: &TenantContext,
    slug: &str,
) -> Result<LinkStarted, ApiError> {
    ctx.require_session()?;
    let provider = find_provider(app, slug).await?;
    if !usable_by(&provider, ctx.tenant_id.as_str()) {
        return Err(ApiError::not_found("OIDC provider not found"));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let ticket = URL_SAFE_NO_PAD.encode(bytes);
    let target = LinkTarget {
        tenant_id: ctx.tenant_id.to_string(),
        user_id: ctx.subject().to_owned(),
        provider_id: provider.id.clone(),
    };
    let mut conn = app.platform.redis.clone();
    redis::cmd("SET")
        .arg(app.platform.keys.oidc_link(&ticket))
        .arg(serde_json::to_string(&target).map_err(ApiError::internal)?)
        .arg("EX")
        .arg(TICKET_TTL_SECS)
        .query_async::<()>(&mut conn)
        .await?;
    let base = app.config.public_api_url.trim_end_matches('/');
    Ok(LinkStarted {
        authorize_url: format!(
            "{base}/v1/auth/oidc/{}/authorize?link={ticket}",
            provider.slug
        ),
    })
}

/// Takes a ticket out of Redis (it works once) for `provider`.
pub async fn redeem(
    app: &AppState,
    ticket: &str,
    provider: &Provider,
) -> Result<LinkTarget, ApiError> {
    let invalid = || ApiError::bad_request("invalid_link", "unknown, expired or used link ticket");
    if ticket.is_empty() || ticket.len() > MAX_TICKET {
        return Err(invalid());
    }
    let mut conn = app.platform.redis.clone();
    let raw: Option<String> = redis::cmd("GETDEL")
        .arg(app.platform.keys.oidc_link(ticket))
        .query_async(&mut conn)
        .await?;
    let target: LinkTarget =
        serde_json::from_str(&raw.ok_or_else(invalid)?).map_err(|_| invalid())?;
    if target.provider_id != provider.id {
        return Err(invalid());
    }
    Ok(target)
}

/// Links the verified identity to the ticket's account.
pub async fn finish(
    app: &AppState,
    provider: &Provider,
    identity: &Identity,
    target: &LinkTarget,
) -> Result<(), ApiError> {
    if !usable_by(provider, &target.tenant_id) {
        return Err(conflict("this provider belongs to another tenant"));
    }
    if identity.email_verified != Some(true) {
        return Err(ApiError::bad_request(
            "email_not_verified",
            "the provider has not verified this email",
        ));
    }
    let mut errors = Vec::new();
    let email = validate::email(
        "email",
        identity.email.as_deref().unwrap_or_default(),
        &mut errors,
    );
    let subject = format!("{}:{}", provider.slug, identity.subject);
    let pool = app.platform.db.pool();
    let mut lookup = LookupTx::begin(pool, "app.oidc_subject", &subject).await?;
    let holder = users::find_by_oidc_subject(&mut lookup, &subject).await?;
    lookup.commit().await?;
    if holder.is_some_and(|u| u.id != target.user_id) {
        return Err(conflict("this identity is linked to another account"));
    }
    let tenant = TenantId::parse(&target.tenant_id).map_err(ApiError::internal)?;
    let mut tx = TenantTx::begin(pool, &tenant).await?;
    ensure_tenant_active(&mut tx).await?;
    let user = users::get(&mut tx, &target.user_id)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(|| ApiError::bad_request("account_disabled", "Account is disabled"))?;
    if !errors.is_empty() || user.email != email {
        return Err(conflict("the provider's email is not this account's email"));
    }
    users::set_oidc_subject(&mut tx, &user.id, &subject).await?;
    tx.commit().await?;
    tracing::info!(tenant = %tenant, user = %user.id, provider = %provider.slug, "OIDC identity linked");
    Ok(())
}
