//! `/v1/auth`: status, setup, register, login, refresh, logout, me.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kit::extract::ValidJson;
use kit::{ApiError, TenantContext};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::client::ClientInfo;
use crate::api::{
    Done, LoginRequest, LoginResponse, OK, RefreshRequest, RegisterRequest, SetupRequest,
    StatusResponse, TokenResponse, UserOut,
};
use crate::flows::{account, first_run, login, refresh, users};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(setup))
        .routes(routes!(register))
        .routes(routes!(login_route))
        .routes(routes!(refresh_route))
        .routes(routes!(logout))
        .routes(routes!(me))
}

/// What the sign-in page should offer.
#[utoipa::path(get, path = "/v1/auth/status", tag = "auth", responses((status = 200, body = StatusResponse)))]
async fn status(State(app): State<AppState>) -> Result<Json<StatusResponse>, ApiError> {
    Ok(Json(first_run::status(&app).await?))
}

/// The installation's first user: platform administrator and owner of a new tenant. Outside dev
/// mode it needs `setupToken` (the configured `SETUP_TOKEN`).
#[utoipa::path(post, path = "/v1/auth/setup", tag = "auth", request_body = SetupRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = kit::error::ErrorBody),
              (status = 403, body = kit::error::ErrorBody), (status = 409, body = kit::error::ErrorBody)))]
async fn setup(
    State(app): State<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<SetupRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    let tokens = first_run::setup(&app, req, &client).await?;
    Ok((StatusCode::CREATED, Json(tokens)))
}

/// Public sign-up: a new tenant and its owner. With `inviteToken` (a waitlist invitation for
/// this email) it works even while public registration is disabled.
#[utoipa::path(post, path = "/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = TokenResponse), (status = 403, body = kit::error::ErrorBody),
              (status = 409, body = kit::error::ErrorBody)))]
async fn register(
    State(app): State<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<RegisterRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(account::register(&app, req, &client).await?),
    ))
}

/// Email and password; answers tokens or a TOTP challenge.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = kit::error::ErrorBody),
              (status = 429, body = kit::error::ErrorBody)))]
async fn login_route(
    State(app): State<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    Ok(Json(login::login(&app, req, &client).await?))
}

/// Exchanges a refresh token for a new pair (the old one is rotated out).
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = kit::error::ErrorBody)))]
async fn refresh_route(
    State(app): State<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    Ok(Json(
        refresh::refresh(&app, &req.refresh_token, &client).await?,
    ))
}

/// Ends the session the refresh token belongs to.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = Done)))]
async fn logout(
    State(app): State<AppState>,
    ValidJson(req): ValidJson<RefreshRequest>,
) -> Result<Json<Done>, ApiError> {
    refresh::logout(&app, &req.refresh_token).await?;
    Ok(Json(OK))
}

/// The caller: a user, or the agent/service a key speaks for.
#[utoipa::path(get, path = "/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = kit::error::ErrorBody)))]
async fn me(State(app): State<AppState>, ctx: TenantContext) -> Result<Json<Value>, ApiError> {
    if ctx.kind() != kit::TokenKind::User {
        return Ok(Json(json!({
            "id": ctx.subject(), "tenantId": ctx.tenant_id, "kind": ctx.kind(),
            "isService": true, "isAdmin": false, "agentId": ctx.claims.agent_id,
        })));
    }
    let mut body = serde_json::to_value(UserOut::from(&users::me(&app, &ctx).await?))
        .map_err(ApiError::internal)?;
    body["isService"] = json!(false);
    body["kind"] = json!("user");
    Ok(Json(body))
}
