//! The Admin panel's use cases auth-svc owns: notifications for the tenant's administrators, the
//! soft delete of an account, and finding an account by its Slack member id. Tenant
//! administrators act on their own tenant only (the tenant comes from the token).

use kit::auth::TokenKind;
use kit::error::OrNotFound;
use kit::{ApiError, TenantContext, outbox};
use shared_schemas::events::Event;
use shared_schemas::events::platform::AdminNotificationCreated;

use crate::AppState;
use crate::api::admin::{CreateNotification, NotificationQuery};
use crate::api::users::UpdateUser;
use crate::flows::tenancy::require_admin;
use crate::flows::users;
use crate::store::notifications::{self, NewNotification, Notification};
use crate::store::users::{self as user_store, User};

/// Recorded by one of the tenant's services, or by one of its administrators; agents cannot
/// (a prompt could otherwise flood the Admin panel).
pub async fn notify(
    app: &AppState,
    ctx: &TenantContext,
    req: CreateNotification,
) -> Result<Notification, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    match ctx.kind() {
        TokenKind::Service => {}
        TokenKind::User => {
            require_admin(&mut tx, ctx).await?;
        }
        TokenKind::Agent => {
            return Err(ApiError::forbidden(
                "notifications are recorded by services and administrators",
            ));
        }
    }
    let new = NewNotification {
        level: req.level(),
        title: req.title.trim(),
        detail: req.detail.as_deref(),
        created_by: ctx.subject(),
    };
    let created = notifications::insert(&mut tx, &new, app.platform.clock.now_ms()).await?;
    let event = Event::AdminNotificationCreated(AdminNotificationCreated {
        notification_id: created.id.clone(),
        level: created.level.clone(),
        title: created.title.clone(),
    });
    outbox::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
    q: &NotificationQuery,
) -> Result<(Vec<Notification>, i64), ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let page = notifications::page(&mut tx, q.unread_only, q.limit, q.offset).await?;
    tx.commit().await?;
    Ok(page)
}

pub async fn mark_read(app: &AppState, ctx: &TenantContext, id: &str) -> Result<u64, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let now = app.platform.clock.now_ms();
    if !notifications::mark_read(&mut tx, id, now).await? {
        return Err(ApiError::not_found("notification not found"));
    }
    tx.commit().await?;
    Ok(1)
}

pub async fn mark_all_read(app: &AppState, ctx: &TenantContext) -> Result<u64, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    require_admin(&mut tx, ctx).await?;
    let marked = notifications::mark_all_read(&mut tx, app.platform.clock.now_ms()).await?;
    tx.commit().await?;
    Ok(marked)
}

/// The Admin panel's delete deactivates (the contract's soft delete), under the same rules as any
/// deactivation: its sessions end, the owner and the last administrator stay.
pub async fn deactivate(
    app: &AppState,
    ctx: &TenantContext,
    user_id: &str,
) -> Result<User, ApiError> {
    if user_id == ctx.subject() {
        return Err(ApiError::bad_request(
            "self_deactivate",
            "you cannot deactivate your own account",
        ));
    }
    let req = UpdateUser {
        is_active: Some(false),
        ..UpdateUser::default()
    };
    users::update(app, ctx, user_id, req).await
}

/// The tenant's account with this Slack member id: for its services (the Slack bridge), its
/// administrators, and the user whose id it is.
pub async fn by_slack_id(
    app: &AppState,
    ctx: &TenantContext,
    slack_id: &str,
) -> Result<User, ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let user = user_store::by_slack_id(&mut tx, slack_id).await?;
    match ctx.kind() {
        TokenKind::Service => {}
        TokenKind::User => {
            if user.as_ref().map(|u| u.id.as_str()) != Some(ctx.subject()) {
                require_admin(&mut tx, ctx).await?;
            }
        }
        TokenKind::Agent => {
            return Err(ApiError::forbidden(
                "looking up accounts is for users and services",
            ));
        }
    }
    tx.commit().await?;
    user.or_not_found("no user with this Slack id")
}
