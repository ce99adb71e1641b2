//! `/v1/auth/totp*` and the second login step `/v1/auth/login/{totp,recovery}`.

use axum::Json;
use axum::extract::State;
use kit::ApiError;
use kit::extract::ValidJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::client::{ClientInfo, UserContext};
use crate::api::totp::{
    RecoveryCodesResponse, RecoveryLoginRequest, RecoveryLoginResponse, TotpCodeRequest,
    TotpDisableRequest, TotpEnabledResponse, TotpLoginRequest, TotpSetupResponse,
};
use crate::api::{Done, TokenResponse};
use crate::flows::{totp, totp_login};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(setup))
        .routes(routes!(confirm))
        .routes(routes!(disable))
        .routes(routes!(recovery_codes))
        .routes(routes!(login_totp))
        .routes(routes!(login_recovery))
        .route_layer(kit::idempotency::withhold()) // replies carry secrets: never kept (L1)
}

/// A new TOTP secret and provisioning URI; TOTP stays off until confirmed.
#[utoipa::path(post, path = "/v1/auth/totp/setup", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TotpSetupResponse), (status = 404, body = kit::error::ErrorBody),
              (status = 409, body = kit::error::ErrorBody)))]
async fn setup(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
) -> Result<Json<TotpSetupResponse>, ApiError> {
    Ok(Json(totp::setup(&app, &ctx).await?))
}

/// The first code from the app enables TOTP; answers the recovery codes (shown once).
#[utoipa::path(post, path = "/v1/auth/totp/confirm", tag = "auth", security(("bearer" = [])),
    request_body = TotpCodeRequest,
    responses((status = 200, body = TotpEnabledResponse), (status = 400, body = kit::error::ErrorBody),
              (status = 409, body = kit::error::ErrorBody), (status = 429, body = kit::error::ErrorBody)))]
async fn confirm(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    client: ClientInfo,
    ValidJson(req): ValidJson<TotpCodeRequest>,
) -> Result<Json<TotpEnabledResponse>, ApiError> {
    Ok(Json(totp::confirm(&app, &ctx, &req.code, &client).await?))
}

/// Disables TOTP with the current password or a current code; recovery codes are deleted.
#[utoipa::path(delete, path = "/v1/auth/totp", tag = "auth", security(("bearer" = [])),
    request_body = TotpDisableRequest,
    responses((status = 200, body = Done), (status = 400, body = kit::error::ErrorBody),
              (status = 401, body = kit::error::ErrorBody), (status = 429, body = kit::error::ErrorBody)))]
async fn disable(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    client: ClientInfo,
    ValidJson(req): ValidJson<TotpDisableRequest>,
) -> Result<Json<Done>, ApiError> {
    totp::disable(&app, &ctx, req, &client).await?;
    Ok(Json(Done { status: "disabled" }))
}

/// Replaces the recovery codes (a current code is required); the old ones stop working.
#[utoipa::path(post, path = "/v1/auth/totp/recovery-codes", tag = "auth", security(("bearer" = [])),
    request_body = TotpCodeRequest,
    responses((status = 200, body = RecoveryCodesResponse), (status = 400, body = kit::error::ErrorBody),
              (status = 401, body = kit::error::ErrorBody), (status = 429, body = kit::error::ErrorBody)))]
async fn recovery_codes(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    client: ClientInfo,
    ValidJson(req): ValidJson<TotpCodeRequest>,
) -> Result<Json<RecoveryCodesResponse>, ApiError> {
    Ok(Json(
        totp::regenerate_recovery_codes(&app, &ctx, &req.code, &client).await?,
    ))
}

/// Completes a login with the pending token and a current TOTP code.
#[utoipa::path(post, path = "/v1/auth/login/totp", tag = "auth", request_body = TotpLoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = kit::error::ErrorBody),
              (status = 429, body = kit::error::ErrorBody)))]
async fn login_totp(
    State(app): State<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<TotpLoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    Ok(Json(totp_login::login_totp(&app, req, &client).await?))
}

/// Completes a login with the pending token and a one-time recovery code.
#[utoipa::path(post, path = "/v1/auth/login/recovery", tag = "auth", request_body = RecoveryLoginRequest,
    responses((status = 200, body = RecoveryLoginResponse), (status = 401, body = kit::error::ErrorBody),
              (status = 429, body = kit::error::ErrorBody)))]
async fn login_recovery(
    State(app): State<AppState>,
    client: ClientInfo,
    ValidJson(req): ValidJson<RecoveryLoginRequest>,
) -> Result<Json<RecoveryLoginResponse>, ApiError> {
    Ok(Json(totp_login::login_recovery(&app, req, &client).await?))
}
