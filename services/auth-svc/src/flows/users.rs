//! The tenant's accounts (tenant administrators, re-checked in the database on every call) and
//! each user's own profile.

use axum::http::StatusCode;
use kit::error::{FieldError, OrNotFound};
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::users::{CreateUser, UpdateUser};
use crate::flows::revocation::Revocation;
use crate::flows::tenancy::require_admin;
use crate::store::sessions::{self, Reason, Revoke};
use crate::store::tenants;
use crate::store::users::{self, Changes, NewUser, User};

pub async fn list(app: &AppState, ctx: &TenantContext) -> Result<Vec<User>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let all = users::list(&mut tx).await?;
    tx.commit().await?;
    Ok(all)
}

/// A new account. The caller is checked before the password is hashed, so a member's request
/// costs no argon2; the check is repeated in the transaction that inserts. Only the owner creates
/// administrators.
pub async fn create(
    app: &AppState,
    ctx: &TenantContext,
    req: CreateUser,
) -> Result<User, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let owner = tenants::lock_owner(&mut tx).await?;
    if req.is_admin && owner.as_deref() != Some(ctx.subject()) {
        return Err(owner_only());
    }
    tx.commit().await?;
    let hash = app.signup_hasher.hash(req.password).await?;
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
    let user = users::insert(&mut tx, &new, app.platform.clock.now_ms()).await?;
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

fn owner_only() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "owner_only",
        "only the tenant's owner changes administrators",
    )
}

fn protected(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "protected_account",
        format!("the {what} cannot be demoted, deactivated or deleted"),
    )
}

/// Who may change `target`'s role or active flag (`role`/`active`: the request changes them):
/// only the owner changes roles and administrators' active flags; the owner and platform
/// administrators are never demoted or deactivated here (the owner not even by itself), so a
/// tenant always keeps its owner as an administrator and the installation its platform admin.
fn may_change(
    target: &User,
    owner: Option<&str>,
    caller: &str,
    role: bool,
    active: bool,
) -> Result<(), ApiError> {
    if !(role || active) {
        return Ok(());
    }
    if owner == Some(target.id.as_str()) {
        return Err(protected("tenant's owner"));
    }
    if target.platform_admin {
        return Err(protected("platform administrator"));
    }
    let by_owner = owner == Some(caller);
    if (role || target.is_admin) && !by_owner {
        return Err(owner_only());
    }
    Ok(())
}

/// Deactivation ends the account's sessions; the last active administrator stays one. The
/// tenant row is locked first, so concurrent changes of administrators run one after another.
pub async fn update(
    app: &AppState,
    ctx: &TenantContext,
    user_id: &str,
    req: UpdateUser,
) -> Result<User, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let owner = tenants::lock_owner(&mut tx).await?;
    let target = users::get(&mut tx, user_id)
        .await?
        .or_not_found("user not found")?;
    let role = req.is_admin.is_some_and(|v| v != target.is_admin);
    let active = req.is_active.is_some_and(|v| v != target.is_active);
    may_change(&target, owner.as_deref(), ctx.subject(), role, active)?;
    let loses_admin = target.is_admin
        && target.is_active
        && (req.is_admin == Some(false) || req.is_active == Some(false));
    if loses_admin && users::other_active_admins(&mut tx, user_id).await? == 0 {
        return Err(ApiError::bad_request(
            "last_admin",
            "a tenant keeps at least one active administrator",
        ));
    }
    let now = app.platform.clock.now_ms();
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
        sessions::revoke(&mut tx, Revoke::User(user_id), Reason::Deactivated, now).await?;
    }
    let lost_powers = (target.is_admin && !user.is_admin) || (target.is_active && !user.is_active);
    let revocation = match lost_powers {
        true => Some(Revocation::prepare(&mut tx, user_id).await?),
        false => None,
    };
    tx.commit().await?;
    if let Some(revocation) = revocation {
        revocation.apply(app).await;
    }
    Ok(user)
}

/// Not yourself, not the tenant's owner nor a platform administrator; administrators only by
/// the owner. The user's credentials stop working everywhere at once.
pub async fn remove(app: &AppState, ctx: &TenantContext, user_id: &str) -> Result<(), ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    if user_id == ctx.subject() {
        return Err(ApiError::bad_request(
            "self_delete",
            "you cannot delete your own account",
        ));
    }
    let owner = tenants::lock_owner(&mut tx).await?;
    if owner.as_deref() == Some(user_id) {
        return Err(ApiError::bad_request(
            "owner_delete",
            "the tenant's owner cannot be deleted",
        ));
    }
    let target = users::get(&mut tx, user_id)
        .await?
        .or_not_found("user not found")?;
    may_change(&target, owner.as_deref(), ctx.subject(), false, true)?;
    let revocation = Revocation::prepare(&mut tx, user_id).await?;
    if !users::delete(&mut tx, user_id).await? {
        return Err(ApiError::not_found("user not found"));
    }
    tx.commit().await?;
    revocation.apply(app).await;
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
    let now = app.platform.clock.now_ms();
    let user = users::update(&mut tx, ctx.subject(), &changes, now)
        .await?
        .or_not_found("user not found")?;
    tx.commit().await?;
    Ok(user)
}
