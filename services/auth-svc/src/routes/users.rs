//! `/v1/users`: the tenant's accounts (tenant administrators) and the caller's own profile.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::ApiError;
use kit::auth::scope::AnyCaller;
use kit::extract::ValidJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::admin::SlackUser;
use crate::api::client::UserContext;
use crate::api::users::{CreateUser, UpdateUser, UserResponse};
use crate::api::{Done, OK};
use crate::flows::{admin, users};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(profile, update_profile))
        .routes(routes!(read, update, remove))
        .routes(routes!(by_slack_id))
}

/// The tenant's active account with this Slack member id: for the tenant's services (the Slack
/// bridge), its administrators, and the user whose id it is.
#[utoipa::path(get, path = "/v1/users/by-slack-id/{slack_id}", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = SlackUser), (status = 403, body = kit::error::ErrorBody),
        (status = 404, body = kit::error::ErrorBody)))]
async fn by_slack_id(
    State(app): State<AppState>,
    AnyCaller(ctx): AnyCaller,
    Path(slack_id): Path<String>,
) -> Result<Json<SlackUser>, ApiError> {
    let user = admin::by_slack_id(&app, &ctx, &slack_id).await?;
    Ok(Json(SlackUser {
        user_id: user.id,
        email: user.email,
        display_name: user.display_name,
    }))
}

/// Accounts of the caller's tenant.
#[utoipa::path(get, path = "/v1/users/", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserResponse]), (status = 403, body = kit::error::ErrorBody)))]
async fn list(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<Vec<UserResponse>>, ApiError> {
    let all = users::list(&app, &ctx).await?;
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
    let user = users::create(&app, &ctx, req).await?;
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
    Ok(Json(users::read(&app, &ctx, &user_id).await?.into()))
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
    Ok(Json(users::update(&app, &ctx, &user_id, req).await?.into()))
}

/// Deletes an account of the tenant (not yourself, not the owner).
#[utoipa::path(delete, path = "/v1/users/{user_id}", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Done), (status = 400, body = kit::error::ErrorBody), (status = 404, body = kit::error::ErrorBody)))]
async fn remove(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(user_id): Path<String>,
) -> Result<Json<Done>, ApiError> {
    users::remove(&app, &ctx, &user_id).await?;
    Ok(Json(OK))
}

/// The caller's own profile.
#[utoipa::path(get, path = "/v1/users/me/profile", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserResponse)))]
async fn profile(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<UserResponse>, ApiError> {
    Ok(Json(users::me(&app, &ctx).await?.into()))
}

/// Changes the caller's display name, Slack id or phone number.
#[utoipa::path(put, path = "/v1/users/me/profile", tag = "users", request_body = UpdateUser, security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 422, body = kit::error::ErrorBody)))]
async fn update_profile(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<UpdateUser>,
) -> Result<Json<UserResponse>, ApiError> {
    Ok(Json(users::update_profile(&app, &ctx, req).await?.into()))
}
