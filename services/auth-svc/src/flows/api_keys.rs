//! Issuing, listing and revoking API keys. Keys are minted only from a signed-in session (or,
//! for agent keys, a service credential of the tenant), never from another API key, so a leaked
//! key cannot outlive its revocation by minting successors.

use kit::auth::TokenKind;
use kit::db::TenantTx;
use kit::error::OrNotFound;
use kit::page::Page;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::api_keys::Issued;
use crate::domain::api_keys::{self, KeyKind};
use crate::domain::tokens::now_ms;
use crate::flows::tenancy::require_admin;
use crate::store::api_keys::{self as store, ApiKey, NewKey};
use crate::store::users;

/// A user key for the caller, or a service key (tenant administrators).
pub async fn create(
    app: &AppState,
    ctx: &TenantContext,
    kind: KeyKind,
    name: &str,
    expires_in_days: Option<i64>,
) -> Result<Issued, ApiError> {
    ctx.require_session()?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let me = match kind {
        KeyKind::Service => require_admin(&mut tx, ctx).await?,
        _ => users::get(&mut tx, ctx.subject())
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(|| ApiError::unauthorized("account no longer exists"))?,
    };
    let now = now_ms();
    let minted = api_keys::mint(kind);
    let key = store::insert(
        &mut tx,
        &NewKey {
            kind: kind.as_str(),
            user_id: (kind == KeyKind::User).then_some(me.id.as_str()),
            agent_id: None,
            name: name.trim(),
            hash: &minted.hash,
            prefix: &minted.prefix,
            expires_at: api_keys::expires_at(now, expires_in_days),
            created_by: Some(&me.id),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(key = %key.id, kind = kind.as_str(), "api key created");
    Ok(Issued {
        key,
        secret: minted.key,
    })
}

/// A page of the caller's own user keys and their total.
pub async fn list_mine(
    app: &AppState,
    ctx: &TenantContext,
    page: Page,
) -> Result<(Vec<ApiKey>, i64), ApiError> {
    ctx.require_user()?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let keys = store::list_by_user(&mut tx, ctx.subject(), page).await?;
    tx.commit().await?;
    Ok(keys)
}

/// A page of every key of the tenant and their total (tenant administrators).
pub async fn list_all(
    app: &AppState,
    ctx: &TenantContext,
    page: Page,
) -> Result<(Vec<ApiKey>, i64), ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let keys = store::list_all(&mut tx, page).await?;
    tx.commit().await?;
    Ok(keys)
}

/// Revokes a key: its owner, or a tenant administrator, signed in (a key cannot revoke keys).
/// Every service refuses it at once.
pub async fn revoke(app: &AppState, ctx: &TenantContext, key_id: &str) -> Result<(), ApiError> {
    ctx.require_session()?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let key = store::get(&mut tx, key_id)
        .await?
        .or_not_found("API key not found")?;
    if key.user_id.as_deref() != Some(ctx.subject()) {
        require_admin(&mut tx, ctx).await?;
    }
    let hash = store::revoke(&mut tx, &key.id, now_ms())
        .await?
        .or_not_found("API key not found")?;
    tx.commit().await?;
    kit::auth::api_key::forget(&app.platform, &hash).await?;
    tracing::info!(key = %key.id, "api key revoked");
    Ok(())
}

/// An agent's key: the live one (`secret: None`, its plaintext is unrecoverable), or a new one
/// when there is none or `rotate` asks to replace it.
pub async fn ensure_agent(
    app: &AppState,
    ctx: &TenantContext,
    agent_id: &str,
    rotate: bool,
) -> Result<(ApiKey, Option<String>), ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let creator = authorize_agent_keys(&mut tx, ctx).await?;
    let existing = store::lock_agent_key(&mut tx, agent_id).await?;
    let mut revoked = None;
    if let Some(key) = existing {
        if !rotate {
            tx.commit().await?;
            return Ok((key, None));
        }
        revoked = store::revoke(&mut tx, &key.id, now_ms()).await?;
    }
    let minted = api_keys::mint(KeyKind::Agent);
    let name = format!("agent:{agent_id}");
    let new = NewKey {
        kind: KeyKind::Agent.as_str(),
        user_id: None,
        agent_id: Some(agent_id),
        name: &name,
        hash: &minted.hash,
        prefix: &minted.prefix,
        expires_at: None,
        created_by: creator.as_deref(),
    };
    let inserted = store::insert_agent(&mut tx, &new, now_ms()).await?;
    let Some(key) = inserted else {
        // A concurrent ensure created the agent's key first; answer with that one.
        let live = store::lock_agent_key(&mut tx, agent_id).await?;
        tx.commit().await?;
        return Ok((live.or_not_found("API key not found")?, None));
    };
    tx.commit().await?;
    if let Some(hash) = revoked {
        kit::auth::api_key::forget(&app.platform, &hash).await?;
    }
    tracing::info!(key = %key.id, agent = agent_id, rotate, "agent api key issued");
    Ok((key, Some(minted.key)))
}

/// Tenant administrators (signed in) and service credentials of the tenant manage agent keys.
/// Returns the creating user, if a user.
async fn authorize_agent_keys(
    tx: &mut TenantTx,
    ctx: &TenantContext,
) -> Result<Option<String>, ApiError> {
    match ctx.kind() {
        TokenKind::Service => Ok(None),
        TokenKind::User => {
            ctx.require_session()?;
            Ok(Some(require_admin(tx, ctx).await?.id))
        }
        TokenKind::Agent => Err(ApiError::forbidden(
            "agent keys are issued by tenant administrators and services",
        )),
    }
}
