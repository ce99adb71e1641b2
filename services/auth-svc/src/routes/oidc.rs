//! `/v1/auth/oidc/{slug}/authorize|callback`: the browser's round trip through a provider.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kit::ApiError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::client::{ClientInfo, UserContext};
use crate::api::oidc::{AuthorizeQuery, LinkStarted};
use crate::domain::oidc::login_cookie_value;
use crate::flows::oidc::link as login_link;
use crate::flows::oidc::login::{self, CallbackQuery};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(authorize))
        .routes(routes!(callback))
        .routes(routes!(link))
}

/// Starts linking the provider's identity to the caller's own account (a signed-in session):
/// send the browser to `authorizeUrl`; the callback then lands on the dashboard with
/// `#linked={slug}` or `#error=…`. The provider must verify an email equal to the account's.
#[utoipa::path(post, path = "/v1/auth/oidc/{slug}/link", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = LinkStarted), (status = 403, body = kit::error::ErrorBody),
    (status = 404, body = kit::error::ErrorBody)))]
async fn link(
    State(app): State<AppState>,
    UserContext(ctx): UserContext,
    Path(slug): Path<String>,
) -> Result<Json<LinkStarted>, ApiError> {
    Ok(Json(login_link::start(&app, &ctx, &slug).await?))
}

/// Sends the browser to the provider (PKCE S256, state and nonce; the login has 5 minutes) and
/// sets the `__Host-djb_oidc` cookie the callback checks (the login finishes only in this browser).
#[utoipa::path(get, path = "/v1/auth/oidc/{slug}/authorize", tag = "auth", params(AuthorizeQuery),
    responses((status = 302, description = "to the provider, or to the dashboard with `#error=`"),
    (status = 404, body = kit::error::ErrorBody), (status = 422, body = kit::error::ErrorBody)))]
async fn authorize(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Query(q): Query<AuthorizeQuery>,
) -> Result<Response, ApiError> {
    let cookie = browser_cookie(&headers);
    let started = login::authorize(&app, &slug, &q, cookie).await?;
    let mut response = found(&started.location)?;
    if let Some(set) = started.set_cookie {
        let set = HeaderValue::from_str(&set).map_err(ApiError::internal)?;
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    Ok(response)
}

/// The login cookie authorize set in this browser (see flows::oidc::login).
fn browser_cookie(headers: &HeaderMap) -> Option<String> {
    login_cookie_value(
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
}

/// Where the provider sends the browser back; always 302 to the dashboard's `/auth/callback`
/// with `#accessToken=…&refreshToken=…&expiresIn=…&tenantId=…`,
/// `#requiresTOTP=true&pendingToken=…` or `#error=<code>`.
#[utoipa::path(get, path = "/v1/auth/oidc/{slug}/callback", tag = "auth", params(CallbackQuery),
    responses((status = 302, description = "to the dashboard with the outcome in the fragment")))]
async fn callback(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    client: ClientInfo,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    // A query that does not parse is answered like a missing code: back to the dashboard.
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let cookie = browser_cookie(&headers);
    found(&login::callback(&app, &slug, q, cookie, &client).await)
}

/// A 302 that is never cached and never leaks its URL (it may carry tokens) as a Referer.
fn found(location: &str) -> Result<Response, ApiError> {
    let location = HeaderValue::from_str(location).map_err(ApiError::internal)?;
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
    )
        .into_response())
}
