//! Who may administer a tenant, and tenant status changes that other services must see.

use axum::http::StatusCode;
use kit::auth::status::{self, TenantState};
use kit::db::{LookupTx, TenantTx};
use kit::error::{FieldError, OrNotFound};
use kit::page::Page;
use kit::{ApiError, TenantContext, outbox};
use shared_schemas::events::Event;
use shared_schemas::events::platform::{TenantDeleted, TenantStatus, TenantStatusChanged};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::api::client::ClientInfo;
use crate::domain::lockout::Guard;
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

/// Records the status where every service checks it (Redis state, not an event: the status sync
/// rewrites it from the database, so a lost write heals).
async fn record_status(
    app: &AppState,
    tenant: &TenantId,
    state: TenantState,
) -> Result<(), ApiError> {
    status::publish(&app.platform, tenant, state).await?;
    Ok(())
}

/// The caller's tenant.
pub async fn get_mine(app: &AppState, ctx: &TenantContext) -> Result<Tenant, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let tenant = tenants::get(&mut tx, &ctx.tenant_id)
        .await?
        .or_not_found("tenant not found")?;
    tx.commit().await?;
    Ok(tenant)
}

/// Renames the caller's tenant or changes its slug (owner or tenant administrator).
pub async fn update_mine(
    app: &AppState,
    ctx: &TenantContext,
    name: Option<&str>,
    slug: Option<&str>,
) -> Result<Tenant, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let tenant = tenants::update(&mut tx, name.map(str::trim), slug, now_ms()).await?;
    tx.commit().await?;
    Ok(tenant)
}

/// A page of the installation's tenants and their total (platform administrators).
pub async fn list_all(
    app: &AppState,
    ctx: &TenantContext,
    page: Page,
) -> Result<(Vec<Tenant>, i64), ApiError> {
    require_platform_admin(app, ctx).await?;
    let mut tx = LookupTx::begin(app.platform.db.pool(), "app.scope", "platform").await?;
    let all = tenants::page(&mut tx, page).await?;
    tx.commit().await?;
    Ok(all)
}

/// A platform administrator suspends or reactivates another tenant (`status` is validated
/// `active` or `suspended`). `TENANT_STATUS_CHANGED` leaves through the outbox with the commit.
pub async fn set_status(
    app: &AppState,
    ctx: &TenantContext,
    tenant: &str,
    status: &str,
) -> Result<Tenant, ApiError> {
    require_platform_admin(app, ctx).await?;
    let tenant = TenantId::parse(tenant).map_err(|_| ApiError::not_found("tenant not found"))?;
    if tenant == ctx.tenant_id {
        return Err(ApiError::bad_request(
            "own_tenant",
            "a platform administrator cannot suspend their own tenant",
        ));
    }
    let (state, status) = match status {
        "active" => (TenantState::Active, TenantStatus::Active),
        _ => (TenantState::Suspended, TenantStatus::Suspended),
    };
    let tenant = &tenant;
    let mut lookup = LookupTx::begin(app.platform.db.pool(), "app.scope", "platform").await?;
    let row = tenants::set_status(&mut lookup, tenant, state.as_str(), now_ms())
        .await?
        .ok_or_else(|| ApiError::not_found("tenant not found"))?;
    let mut tx = lookup.enter_tenant(tenant).await?;
    let event = Event::TenantStatusChanged(TenantStatusChanged { status });
    outbox::append(&mut tx, event).await?;
    tx.commit().await?;
    record_status(app, tenant, state).await?;
    Ok(row)
}

/// How recent an OIDC owner's sign-in must be to delete the tenant without a password.
const FRESH_SIGN_IN_SECS: u64 = 300;

/// Deletes the caller's tenant (its owner only, signed in, confirming with its password);
/// Postgres cascades to every tenant table. `TENANT_DELETED` is appended in the same
/// transaction: outbox rows have no foreign key to the tenant, so the event survives the cascade
/// and leaves with the commit.
pub async fn delete_tenant(
    app: &AppState,
    ctx: &TenantContext,
    password: Option<String>,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    ctx.require_session()?;
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
    let owner = users::get(&mut tx, ctx.subject())
        .await?
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    confirm_owner(app, &owner, password, ctx, client).await?;
    tenants::delete(&mut tx, &ctx.tenant_id).await?;
    outbox::append(&mut tx, Event::TenantDeleted(TenantDeleted {})).await?;
    tx.commit().await?;
    record_status(app, &ctx.tenant_id, TenantState::Deleted).await?;
    tracing::info!(tenant = %ctx.tenant_id, "tenant deleted");
    Ok(())
}

/// The owner's password again (wrong ones count as failed logins of the account), or for an
/// owner without a password a sign-in within the last few minutes.
async fn confirm_owner(
    app: &AppState,
    owner: &User,
    password: Option<String>,
    ctx: &TenantContext,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let Some(stored) = owner.password_hash.clone() else {
        let age = app.platform.clock.now_secs().saturating_sub(ctx.claims.iat);
        if age > FRESH_SIGN_IN_SECS {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "reauthentication_required",
                "sign in again to delete the tenant",
            ));
        }
        return Ok(());
    };
    let Some(password) = password else {
        return Err(ApiError::validation(vec![FieldError {
            path: "password".into(),
            message: "the owner's password is required".into(),
        }]));
    };
    let guard = Guard::new(&app.platform, &app.config, client.ip, &owner.email);
    guard.check().await.map_err(ApiError::too_many_requests)?;
    if !app.hasher.verify(password, Some(stored)).await? {
        guard.failed().await;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_password",
            "the password is wrong",
        ));
    }
    Ok(())
}
