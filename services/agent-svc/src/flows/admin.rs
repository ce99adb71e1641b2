//! The Admin panel's use cases agent-svc owns: deciding skills members wrote, and granting the
//! tenant's secrets to its users. Tenant administrators only (the routes take `TenantAdmin`);
//! everything stays inside the caller's tenant.

use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, StatusCode};
use kit::{ApiError, Platform, TenantContext};

use crate::api::admin::{Decision, PendingApprovalItem, UserGrant};
use crate::api::secrets::SecretResponse;
use crate::store;

/// At most this many pending items are listed (oldest first).
const PENDING_LIMIT: i64 = 500;

pub async fn pending(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<Vec<PendingApprovalItem>, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let skills = store::skills::pending(&mut tx, PENDING_LIMIT).await?;
    tx.commit().await?;
    Ok(skills.into_iter().map(Into::into).collect())
}

/// Approves (`approve`) or rejects a pending skill of the tenant, by id or slug. 400
/// `not_pending` for one already decided (or a global skill, which needs no approval).
pub async fn decide(
    platform: &Platform,
    ctx: &TenantContext,
    skill_ref: &str,
    approve: bool,
) -> Result<Decision, ApiError> {
    let status = if approve { "approved" } else { "rejected" };
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let skill = store::skills::require(&mut tx, skill_ref).await?;
    let now = platform.clock.now_ms();
    let decided = match skill.is_global {
        true => None,
        false => store::skills::decide(&mut tx, &skill.id, status, now).await?,
    };
    let Some(decided) = decided else {
        return Err(ApiError::bad_request(
            "not_pending",
            format!("skill `{}` is not pending approval", skill.slug),
        ));
    };
    tx.commit().await?;
    Ok(Decision {
        status,
        id: decided.slug,
    })
}

/// Grants a secret of the tenant to one of its users. The user is confirmed with auth-svc (which
/// owns the accounts) with the administrator's own credential, before the transaction opens.
pub async fn grant_user(
    platform: &Platform,
    ctx: &TenantContext,
    authorization: Option<&HeaderValue>,
    secret_id: &str,
    user_id: &str,
) -> Result<UserGrant, ApiError> {
    if !user_in_tenant(platform, authorization, user_id).await? {
        return Err(user_not_found());
    }
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let secret = store::secrets::get(&mut tx, secret_id).await?;
    let now = platform.clock.now_ms();
    store::secrets::grant_user(&mut tx, &secret.id, user_id, ctx.subject(), now).await?;
    tx.commit().await?;
    Ok(UserGrant {
        status: "granted",
        secret_id: secret.id,
        user_id: user_id.to_owned(),
    })
}

/// 404 when the tenant has no such secret or the user had no grant of it.
pub async fn revoke_user(
    platform: &Platform,
    ctx: &TenantContext,
    secret_id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let secret = store::secrets::get(&mut tx, secret_id).await?;
    if !store::secrets::revoke_user(&mut tx, &secret.id, user_id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "grant_not_found",
            "this user has no grant of this secret",
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// The secrets administrators granted to the caller (masked, never the values).
pub async fn my_secrets(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<Vec<SecretResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let secrets = store::secrets::list_for_user(&mut tx, ctx.subject()).await?;
    tx.commit().await?;
    Ok(secrets.into_iter().map(Into::into).collect())
}

fn user_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "user_not_found", "user not found")
}

/// Whether auth-svc knows `user_id` in the caller's tenant (`GET /v1/users/{id}` with the
/// administrator's credential answers 200; another tenant's user is a 404 there too).
async fn user_in_tenant(
    platform: &Platform,
    authorization: Option<&HeaderValue>,
    user_id: &str,
) -> Result<bool, ApiError> {
    let plain = !user_id.is_empty()
        && user_id.len() <= 64
        && user_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let Some(authorization) = authorization.filter(|_| plain) else {
        return Ok(false);
    };
    let url = format!(
        "{}/v1/users/{user_id}",
        platform.config.auth_svc_url.trim_end_matches('/')
    );
    let res = platform
        .client
        .get(url)
        .header(AUTHORIZATION, authorization.clone())
        .send()
        .await?;
    match res.status() {
        StatusCode::OK => Ok(true),
        StatusCode::NOT_FOUND => Ok(false),
        other => {
            tracing::warn!(status = %other, "auth-svc did not answer a user lookup");
            Err(ApiError::unavailable(
                "unavailable",
                "auth-svc did not confirm the user",
            ))
        }
    }
}
