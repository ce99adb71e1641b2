//! Who is calling from where: the extractors auth-svc's handlers share.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use kit::ApiError;

use crate::AppState;

/// The client's address (for the brute-force guard and session records) and user agent.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        // X-Forwarded-For names the client only on a connection from a trusted proxy (review
        // L3); from anyone else it is whatever they chose to send.
        let trusted = peer.is_some_and(|p| state.config.trusts_proxy(p.ip()));
        let ip = kit::http::client_ip(&parts.headers, peer, trusted);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect());
        Ok(Self { ip, user_agent })
    }
}

/// A user of the tenant (signed in, or with a user API key); kit's extractor under the name
/// auth-svc's handlers use.
pub use kit::auth::scope::UserOnly as UserContext;
