//! Who may administer a tenant, and tenant status changes that other services must see.

use axum::http::StatusCode;
use kit::db::{LookupTx, TenantTx};
use kit::{ApiError, TenantContext};
use shared_schemas::events::platform::{TenantDeleted, TenantStatus, TenantStatusChanged};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::domain::tokens::now_ms;
use crate::store::tenants::{self, Tenant};
use crate::store::users::{self, User};

fn admin_required() -> ApiError {
    ApiError::forbidden("Admin access required")
}

/// The caller's current row, if it is an active administrator of its tenant. The token's
/// `is_admin` claim can be 15 minutes old; the database decides.
pub async fn require_admin(tx: &mut TenantTx, ctx: &TenantContext) -> Result<User, ApiError> {
    let me = users::get(tx, ctx.subject()).await?;
    me.filter(|u| u.is_admin && u.is_active)
        .ok_or_else(admin_required)
}

pub async fn require_platform_admin(app: &AppState, ctx: &TenantContext) -> Result<(), ApiError> {
    if !ctx.claims.platform_admin {
        return Err(ApiError::forbidden(
            "Platform administrator access required",
        ));
    }
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let me = users::get(&mut tx, ctx.subject()).await?;
    tx.commit().await?;
    match me {
        Some(u) if u.platform_admin && u.is_active => Ok(()),
        _ => Err(ApiError::forbidden(
            "Platform administrator access required",
        )),
    }
}

/// Records the status where every service checks it (Redis), then announces it on the bus.
async fn broadcast_status(app: &AppState, tenant: &TenantId, status: &str) -> Result<(), ApiError> {
    let mut conn = app.platform.redis.clone();
    redis::cmd("SET")
        .arg(app.platform.keys.tenant_status(tenant))
        .arg(status)
        .query_async::<()>(&mut conn)
        .await?;
    Ok(())
}

pub async fn set_status(
    app: &AppState,
    tenant: &TenantId,
    status: &str,
) -> Result<Tenant, ApiError> {
    let mut tx = LookupTx::begin(app.platform.db.pool(), "app.scope", "platform").await?;
    let row = tenants::set_status(&mut tx, tenant, status, now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found("tenant not found"))?;
    tx.commit().await?;
    broadcast_status(app, tenant, status).await?;
    let status = if status == "active" {
        TenantStatus::Active
    } else {
        TenantStatus::Suspended
    };
    let event = Event::TenantStatusChanged(TenantStatusChanged { status });
    app.platform
        .publisher()
        .publish_event(&EventEnvelope::new(tenant.clone(), None, event))
        .await?;
    Ok(row)
}

/// Deletes the caller's tenant (its owner only); Postgres cascades to every tenant table.
pub async fn delete_tenant(app: &AppState, ctx: &TenantContext) -> Result<(), ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let tenant = tenants::get(&mut tx, &ctx.tenant_id)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant not found"))?;
    if tenant.owner_user_id.as_deref() != Some(ctx.subject()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "owner_only",
            "only the tenant's owner can delete it",
        ));
    }
    tenants::delete(&mut tx, &ctx.tenant_id).await?;
    tx.commit().await?;
    broadcast_status(app, &ctx.tenant_id, "deleted").await?;
    let event = EventEnvelope::new(
        ctx.tenant_id.clone(),
        None,
        Event::TenantDeleted(TenantDeleted {}),
    );
    app.platform.publisher().publish_event(&event).await?;
    tracing::info!(tenant = %ctx.tenant_id, "tenant deleted");
    Ok(())
}
