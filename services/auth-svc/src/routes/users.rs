//! `/v1/users`: the tenant's accounts (tenant administrators) and the caller's own profile.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::ApiError;
use kit::error::{FieldError, OrNotFound};
use kit::extract::{ValidJson, Validate};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::{Done, OK, PASSWORD_LIMITS};
use crate::client::UserContext;
use crate::domain::tokens::now_ms;
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::flows::tenancy::require_admin;
use crate::store::sessions;
use crate::store::users::{self, Changes, NewUser, User};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(profile, update_profile))
        .routes(routes!(read, update, remove))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub is_admin: bool,
    pub is_active: bool,
    pub slack_id: Option<String>,
    pub phone_number: Option<String>,
    pub totp_enabled: bool,
    pub tenant_id: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            is_admin: u.is_admin,
            is_active: u.is_active,
            slack_id: u.slack_id,
            phone_number: u.phone_number,
            totp_enabled: u.totp_enabled,
            tenant_id: u.tenant_id,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateUser {
    pub email: String,
    pub password: String,
    pub display_name: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
}

impl Validate for CreateUser {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::email("email", &self.email, &mut errors);
        validate::password(
            "password",
            &self.password,
            PASSWORD_LIMITS.0,
            PASSWORD_LIMITS.1,
            &mut errors,
        );
        if let Some(name) = &self.display_name {
            validate::name("displayName", name, MAX_NAME, &mut errors);
        }
        finish(errors)
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub is_admin: Option<bool>,
    pub is_active: Option<bool>,
    pub slack_id: Option<String>,
    pub phone_number: Option<String>,
}

impl Validate for UpdateUser {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.display_name {
            validate::name("displayName", name, MAX_NAME, &mut errors);
        }
        if let Some(id) = &self.slack_id {
            validate::name("slackId", id, 64, &mut errors);
        }
        if let Some(phone) = &self.phone_number {
            let ok = phone.len() <= 32
                && phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+-() ".contains(c));
            if !ok {
                errors.push(FieldError {
                    path: "phoneNumber".into(),
                    message: "must be a phone number of at most 32 characters".into(),
                });
            }
        }
        finish(errors)
    }
}

/// Accounts of the caller's tenant.
#[utoipa::path(get, path = "/v1/users/", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserResponse]), (status = 403, body = kit::error::ErrorBody)))]
async fn list(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<Vec<UserResponse>>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    require_admin(&mut tx, &ctx).await?;
    let all = users::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(all.into_iter().map(UserResponse::from).collect()))
}

/// Adds an account to the caller's tenant.
#[utoipa::path(post, path = "/v1/users/", tag = "users", request_body = CreateUser, security(("bearer" = [])),
    responses((status = 201, body = UserResponse), (status = 409, body = kit::error::ErrorBody)))]
async fn create(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<CreateUser>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    let hash = app.hasher.hash(req.password).await?;
    let email = req.email.trim().to_lowercase();
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    require_admin(&mut tx, &ctx).await?;
    let new = NewUser {
        email: &email,
        display_name: req.display_name.as_deref().map(str::trim),
        password_hash: Some(&hash),
        is_admin: req.is_admin,
        platform_admin: false,
    };
    let user = users::insert(&mut tx, &new, now_ms()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// One account (administrators, or the account itself).
#[utoipa::path(get, path = "/v1/users/{user_id}", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 404, body = kit::error::ErrorBody)))]
async fn read(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(user_id): Path<String>,
) -> Result<Json<UserResponse>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    if user_id != ctx.subject() {
        require_admin(&mut tx, &ctx).await?;
    }
    let user = users::get(&mut tx, &user_id)
        .await?
        .or_not_found("user not found")?;
    tx.commit().await?;
    Ok(Json(user.into()))
}

/// Changes an account's name, role or active flag. Deactivation ends its sessions; the last
/// active administrator cannot be demoted or deactivated.
#[utoipa::path(put, path = "/v1/users/{user_id}", tag = "users", request_body = UpdateUser, security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 400, body = kit::error::ErrorBody), (status = 404, body = kit::error::ErrorBody)))]
async fn update(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(user_id): Path<String>,
    ValidJson(req): ValidJson<UpdateUser>,
) -> Result<Json<UserResponse>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    require_admin(&mut tx, &ctx).await?;
    let target = users::get(&mut tx, &user_id)
        .await?
        .or_not_found("user not found")?;
    let loses_admin = target.is_admin
        && target.is_active
        && (req.is_admin == Some(false) || req.is_active == Some(false));
    if loses_admin && users::other_active_admins(&mut tx, &user_id).await? == 0 {
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
    let user = users::update(&mut tx, &user_id, &changes, now)
        .await?
        .or_not_found("user not found")?;
    if req.is_active == Some(false) {
        sessions::revoke(&mut tx, sessions::Revoke::User(&user_id), now).await?;
    }
    tx.commit().await?;
    Ok(Json(user.into()))
}

/// Deletes an account of the tenant (not yourself, not the owner).
#[utoipa::path(delete, path = "/v1/users/{user_id}", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Done), (status = 400, body = kit::error::ErrorBody), (status = 404, body = kit::error::ErrorBody)))]
async fn remove(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(user_id): Path<String>,
) -> Result<Json<Done>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    require_admin(&mut tx, &ctx).await?;
    if user_id == ctx.subject() {
        return Err(ApiError::bad_request(
            "self_delete",
            "you cannot delete your own account",
        ));
    }
    let tenant = crate::store::tenants::get(&mut tx, &ctx.tenant_id)
        .await?
        .or_not_found("tenant not found")?;
    if tenant.owner_user_id.as_deref() == Some(user_id.as_str()) {
        return Err(ApiError::bad_request(
            "owner_delete",
            "the tenant's owner cannot be deleted",
        ));
    }
    if !users::delete(&mut tx, &user_id).await? {
        return Err(ApiError::not_found("user not found"));
    }
    tx.commit().await?;
    Ok(Json(OK))
}

/// The caller's own profile.
#[utoipa::path(get, path = "/v1/users/me/profile", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserResponse)))]
async fn profile(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<UserResponse>, ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    let user = users::get(&mut tx, ctx.subject())
        .await?
        .or_not_found("user not found")?;
    tx.commit().await?;
    Ok(Json(user.into()))
}

/// Changes the caller's display name, Slack id or phone number.
#[utoipa::path(put, path = "/v1/users/me/profile", tag = "users", request_body = UpdateUser, security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 422, body = kit::error::ErrorBody)))]
async fn update_profile(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<UpdateUser>,
) -> Result<Json<UserResponse>, ApiError> {
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
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    let user = users::update(&mut tx, ctx.subject(), &changes, now_ms())
        .await?
        .or_not_found("user not found")?;
    tx.commit().await?;
    Ok(Json(user.into()))
}
