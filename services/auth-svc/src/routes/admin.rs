//! `/v1/admin`: the Admin panel's accounts (its view of `/v1/users`, for the tenant's
//! administrators) and the notifications for the tenant's administrators.
//! Types in `api::admin`, use cases in `flows::admin` and `flows::users`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use kit::ApiError;
use kit::auth::scope::AnyCaller;
use kit::extract::{ValidJson, ValidQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::admin::{
    CreateNotification, Deactivated, Marked, NotificationQuery, NotificationResponse,
};
use crate::api::client::UserContext;
use crate::api::users::{CreateUser, UpdateUser, UserResponse};
use crate::flows::{admin, users};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user, deactivate_user))
        .routes(routes!(list_notifications, create_notification))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
}

/// The tenant's accounts (tenant administrators).
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [UserResponse]), (status = 403, body = kit::error::ErrorBody)))]
async fn list_users(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<Vec<UserResponse>>, ApiError> {
    let all = users::list(&app, &ctx).await?;
    Ok(Json(all.into_iter().map(UserResponse::from).collect()))
}

/// Adds an account to the tenant; only its owner creates administrators.
#[utoipa::path(post, path = "/v1/admin/users", tag = "admin", request_body = CreateUser, security(("bearer" = [])),
    responses((status = 201, body = UserResponse), (status = 403, body = kit::error::ErrorBody),
        (status = 409, body = kit::error::ErrorBody), (status = 422, body = kit::error::ErrorBody)))]
async fn create_user(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidJson(req): ValidJson<CreateUser>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    let user = users::create(&app, &ctx, req).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Changes an account's name, role or active flag (the rules of `PUT /v1/users/{user_id}`).
#[utoipa::path(put, path = "/v1/admin/users/{user_id}", tag = "admin", request_body = UpdateUser, security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 400, body = kit::error::ErrorBody),
        (status = 404, body = kit::error::ErrorBody)))]
async fn update_user(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(user_id): Path<String>,
    ValidJson(req): ValidJson<UpdateUser>,
) -> Result<Json<UserResponse>, ApiError> {
    Ok(Json(users::update(&app, &ctx, &user_id, req).await?.into()))
}

/// Deactivates an account (a soft delete: it can be reactivated with `PUT`); its sessions end.
#[utoipa::path(delete, path = "/v1/admin/users/{user_id}", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Deactivated), (status = 400, body = kit::error::ErrorBody),
        (status = 404, body = kit::error::ErrorBody)))]
async fn deactivate_user(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(user_id): Path<String>,
) -> Result<Json<Deactivated>, ApiError> {
    let user = admin::deactivate(&app, &ctx, &user_id).await?;
    Ok(Json(Deactivated {
        status: "deactivated",
        user_id: user.id,
    }))
}

/// The tenant's notifications, newest first (administrators); the total in `X-Total-Count`.
#[utoipa::path(get, path = "/v1/admin/notifications", tag = "admin", params(NotificationQuery),
    security(("bearer" = [])),
    responses((status = 200, body = [NotificationResponse]), (status = 403, body = kit::error::ErrorBody),
        (status = 422, body = kit::error::ErrorBody)))]
async fn list_notifications(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    ValidQuery(q): ValidQuery<NotificationQuery>,
) -> Result<(HeaderMap, Json<Vec<NotificationResponse>>), ApiError> {
    let (rows, total) = admin::list(&app, &ctx, &q).await?;
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(total));
    Ok((headers, Json(rows.into_iter().map(Into::into).collect())))
}

/// Records a notification for the tenant's administrators (its services, or an administrator).
#[utoipa::path(post, path = "/v1/admin/notifications", tag = "admin", request_body = CreateNotification,
    security(("bearer" = [])),
    responses((status = 201, body = NotificationResponse), (status = 403, body = kit::error::ErrorBody),
        (status = 422, body = kit::error::ErrorBody)))]
async fn create_notification(
    State(app): State<AppState>,
    AnyCaller(ctx): AnyCaller,
    ValidJson(req): ValidJson<CreateNotification>,
) -> Result<(StatusCode, Json<NotificationResponse>), ApiError> {
    let created = admin::notify(&app, &ctx, req).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

#[utoipa::path(patch, path = "/v1/admin/notifications/{notification_id}/read", tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, body = Marked), (status = 404, body = kit::error::ErrorBody)))]
async fn mark_read(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(notification_id): Path<String>,
) -> Result<Json<Marked>, ApiError> {
    let marked = admin::mark_read(&app, &ctx, &notification_id).await?;
    Ok(Json(Marked { ok: true, marked }))
}

#[utoipa::path(post, path = "/v1/admin/notifications/mark-all-read", tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, body = Marked), (status = 403, body = kit::error::ErrorBody)))]
async fn mark_all_read(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<Marked>, ApiError> {
    let marked = admin::mark_all_read(&app, &ctx).await?;
    Ok(Json(Marked { ok: true, marked }))
}
