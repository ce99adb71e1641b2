//! The tenant's accounts (tenant administrators, re-checked in the database on every call) and
//! each user's own profile.

use kit::error::{FieldError, OrNotFound};
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::users::{CreateUser, UpdateUser};
use crate::domain::tokens::now_ms;
use crate::flows::tenancy::require_admin;
use crate::store::users::{self, Changes, NewUser, User};
use crate::store::{sessions, tenants};

pub async fn list(app: &AppState, ctx: &TenantContext) -> Result<Vec<User>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let all = users::list(&mut tx).await?;
    tx.commit().await?;
    Ok(all)
}

pub async fn create(
    app: &AppState,
    ctx: &TenantContext,
    req: CreateUser,
) -> Result<User, ApiError> {
    let hash = app.hasher.hash(req.password).await?;
    let email = req.email.trim().to_lowercase();
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let new = NewUser {
        email: &email,
        display_name: req.display_name.as_deref().map(str::trim),
        password_hash: Some(&hash),
        is_admin: req.is_admin,
        platform_admin: false,
    };
    let user = users::insert(&mut tx, &new, now_ms()).await?;
    tx.commit().await?;
    Ok(user)
}

/// One account: administrators read any of the tenant's, a user reads itself.
pub async fn read(app: &AppState, ctx: &TenantContext, user_id: &str) -> Result<User, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    if user_id != ctx.subject() {
        require_admin(&mut tx, ctx).await?;
    }
    let user = users::get(&mut tx, user_id)
        .await?
        .or_not_found("user not found")?;
    tx.commit().await?;
    Ok(user)
}

/// Deactivation ends the account's sessions; the last active administrator stays one.
pub async fn update(
    app: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    req: UpdateUser,
) -> Result<User, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let target = users::get(&mut tx, user_id)
        .await?
        .or_not_found("user not found")?;
    let loses_admin = target.is_admin
        && target.is_active
        && (req.is_admin == Some(false) || req.is_active == Some(false));
    if loses_admin && users::other_active_admins(&mut tx, user_id).await? == 0 {
        return Err(ApiError::bad_request(
            "last_admin",
            "a tenant keeps at least one active administrator",
        ));
    }
    let now = now_ms();
    let changes = Changes {
        display_name: req.display_name.as_deref().map(str::trim),
        is_admin: req.is_admin,
        is_active: req.is_active,
        slack_id: req.slack_id.as_deref(),
        phone_number: req.phone_number.as_deref(),
    };
    let user = users::update(&mut tx, user_id, &changes, now)
        .await?
        .or_not_found("user not found")?;
    if req.is_active == Some(false) {
        sessions::revoke(&mut tx, sessions::Revoke::User(user_id), now).await?;
    }
    tx.commit().await?;
    Ok(user)
}

/// Not yourself, not the tenant's owner.
pub async fn remove(app: &AppState, ctx: &TenantContext, user_id: &str) -> Result<(), ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    if user_id == ctx.subject() {
        return Err(ApiError::bad_request(
            "self_delete",
            "you cannot delete your own account",
        ));
    }
    let tenant = tenants::get(&mut tx, &ctx.tenant_id)
        .await?
        .or_not_found("tenant not found")?;
    if tenant.owner_user_id.as_deref() == Some(user_id) {
        return Err(ApiError::bad_request(
            "owner_delete",
            "the tenant's owner cannot be deleted",
        ));
    }
    if !users::delete(&mut tx, user_id).await? {
        return Err(ApiError::not_found("user not found"));
    }
    tx.commit().await?;
    Ok(())
}

/// The caller's own account.
pub async fn me(app: &AppState, ctx: &TenantContext) -> Result<User, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let user = users::get(&mut tx, ctx.subject())
        .await?
        .or_not_found("user not found")?;
    tx.commit().await?;
    Ok(user)
}

/// The caller changes its own name, Slack id or phone number, never its role.
pub async fn update_profile(
    app: &AppState,
    ctx: &TenantContext,
    req: UpdateUser,
) -> Result<User, ApiError> {
    if req.is_admin.is_some() || req.is_active.is_some() {
        return Err(ApiError::validation(vec![FieldError {
            path: "isAdmin".into(),
            message: "a profile cannot change roles or the active flag".into(),
        }]));
    }
    let changes = Changes {
        display_name: req.display_name.as_deref().map(str::trim),
        slack_id: req.slack_id.as_deref(),
        phone_number: req.phone_number.as_deref(),
        ..Changes::default()
    };
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let user = users::update(&mut tx, ctx.subject(), &changes, now_ms())
        .await?
        .or_not_found("user not found")?;
    tx.commit().await?;
    Ok(user)
}
