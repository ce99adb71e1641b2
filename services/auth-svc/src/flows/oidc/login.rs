//! The browser side of an OIDC login: authorize (PKCE + state + nonce kept in Redis for five
//! minutes) and callback (single-use state, code exchange, ID token verification).
//!
//! The state is bound to the browser that started the login: authorize sets a random nonce in
//! a `__Host-` cookie and keeps its hash with the state; the callback refuses a state whose
//! cookie is missing or different. Without it, an attacker could finish a login of their own
//! in a victim's browser (login CSRF) and have the victim work in the attacker's account.
//!
//! Both answer with a `Location`: the provider's authorization page, or the dashboard's
//! `/auth/callback` with the outcome in the URL fragment (tokens, TOTP challenge or `error`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kit::ApiError;
use kit::db::LookupTx;
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AccessTokenHash, AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, SubjectIdentifier, TokenResponse,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::api::LoginResponse;
use crate::api::client::ClientInfo;
use crate::api::oidc::AuthorizeQuery;
use crate::domain::oidc::{
    dashboard_callback, login_cookie, provider_error_code, provider_slug, safe_redirect_path,
};
use crate::flows::oidc::account::{self, Identity};
use crate::flows::oidc::client::{self, ProviderClient};
use crate::flows::oidc::link::{self, LinkTarget};
use crate::flows::oidc::providers::reveal;
use crate::store::oidc::{self as store, Provider};

/// How long a started login may take at the provider.
const STATE_TTL_SECS: u64 = 300;
const MAX_CODE: usize = 2048;
const MAX_STATE: usize = 256;

/// What the callback needs from the authorize step; kept in Redis under the state.
#[derive(Debug, Serialize, Deserialize)]
struct PendingLogin {
    code_verifier: String,
    nonce: String,
    provider_id: String,
    redirect: Option<String>,
    /// SHA-256 (hex) of the login cookie of the browser that started the login.
    browser: String,
    /// Set when a signed-in account started this login to link the identity to itself.
    #[serde(default)]
    link: Option<LinkTarget>,
}

/// Where authorize sends the browser, and the login cookie to set on the way.
#[derive(Debug)]
pub struct Authorize {
    pub location: String,
    pub set_cookie: Option<String>,
}

fn cookie_hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The browser's login nonce: the one it already holds (so logins in two tabs both work), or a
/// new random one.
fn browser_nonce(existing: Option<String>) -> String {
    existing.unwrap_or_else(|| {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    })
}

/// The query of the callback, as providers send it (all optional: an error reply has no code).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

fn fail(code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::bad_request(code, detail)
}

/// An enabled provider by slug, before any tenant is known.
pub(crate) async fn find_provider(app: &AppState, slug: &str) -> Result<Provider, ApiError> {
    let not_found = || ApiError::not_found("OIDC provider not found");
    let mut errors = Vec::new();
    provider_slug("slug", slug, &mut errors);
    if !errors.is_empty() {
        return Err(not_found());
    }
    let mut tx = LookupTx::begin(app.platform.db.pool(), "app.oidc_slug", slug).await?;
    let found = store::find_by_slug(&mut tx, slug).await?;
    tx.commit().await?;
    found.filter(|p| p.enabled).ok_or_else(not_found)
}

fn redirect_url(app: &AppState, slug: &str) -> Result<RedirectUrl, ApiError> {
    let base = app.config.public_api_url.trim_end_matches('/');
    RedirectUrl::new(format!("{base}/v1/auth/oidc/{slug}/callback")).map_err(ApiError::internal)
}

/// The provider's client; `provider_unavailable` when its metadata or keys cannot be loaded.
async fn provider_client(app: &AppState, p: &Provider) -> Result<ProviderClient, ApiError> {
    let meta = client::metadata(&app.oidc, p).await.map_err(|e| {
        tracing::warn!(provider = %p.slug, error = %e, "OIDC provider unavailable");
        ApiError::unavailable(
            "provider_unavailable",
            "the identity provider cannot be reached",
        )
    })?;
    Ok(client::client(
        meta,
        p,
        reveal(app, p)?,
        redirect_url(app, &p.slug)?,
    ))
}

/// Starts a login: the provider's authorization URL. Bad input (unknown provider, unsafe
/// redirect) is an error answer; a provider that cannot be reached sends the browser back to
/// the dashboard with `error=provider_unavailable`.
pub async fn authorize(
    app: &AppState,
    slug: &str,
    q: &AuthorizeQuery,
    cookie: Option<String>,
) -> Result<Authorize, ApiError> {
    let redirect = q.redirect.as_deref();
    let redirect = match redirect {
        None => None,
        Some(raw) => Some(safe_redirect_path(raw).ok_or_else(|| {
            ApiError::validation(vec![kit::error::FieldError {
                path: "redirect".into(),
                message: "must be a path on the dashboard (starting with a single /)".into(),
            }])
        })?),
    };
    let provider = find_provider(app, slug).await?;
    let link = match q.link.as_deref() {
        Some(ticket) => Some(link::redeem(app, ticket, &provider).await?),
        None => None,
    };
    let client = match provider_client(app, &provider).await {
        Ok(c) => c,
        Err(ApiError::Client { code, .. }) => {
            return Ok(Authorize {
                location: error_location(app, code),
                set_cookie: None,
            });
        }
        Err(e) => return Err(e),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    // The client always asks for `openid` itself.
    for scope in provider
        .scopes
        .split_whitespace()
        .filter(|s| *s != "openid")
    {
        request = request.add_scope(Scope::new(scope.to_owned()));
    }
    let (url, state, nonce) = request.url();
    let browser = browser_nonce(cookie);
    let pending = PendingLogin {
        code_verifier: verifier.secret().clone(),
        nonce: nonce.secret().clone(),
        provider_id: provider.id,
        redirect,
        browser: cookie_hash(&browser),
        link,
    };
    let mut conn = app.platform.redis.clone();
    redis::cmd("SET")
        .arg(app.platform.keys.oidc_state(state.secret()))
        .arg(serde_json::to_string(&pending).map_err(ApiError::internal)?)
        .arg("EX")
        .arg(STATE_TTL_SECS)
        .query_async::<()>(&mut conn)
        .await?;
    Ok(Authorize {
        location: url.to_string(),
        set_cookie: Some(login_cookie(&browser, STATE_TTL_SECS)),
    })
}

fn error_location(app: &AppState, code: &str) -> String {
    dashboard_callback(&app.config.dashboard_url, &[("error", code)])
}

/// Finishes a login; always a dashboard location (never an error page for provider trouble).
pub async fn callback(
    app: &AppState,
    slug: &str,
    query: CallbackQuery,
    cookie: Option<String>,
    client: &ClientInfo,
) -> String {
    match complete(app, slug, query, cookie, client).await {
        Ok(location) => location,
        Err(ApiError::Client { code, detail, .. }) => {
            tracing::info!(slug, code, detail, "OIDC login refused");
            error_location(app, code)
        }
        Err(ApiError::Internal(err)) => {
            tracing::error!(slug, error = %format!("{err:#}"), "OIDC login failed");
            error_location(app, "server_error")
        }
    }
}

/// Takes the pending login of `state` out of Redis: a state works once.
async fn take_state(app: &AppState, state: &str) -> Result<PendingLogin, ApiError> {
    let mut conn = app.platform.redis.clone();
    let raw: Option<String> = redis::cmd("GETDEL")
        .arg(app.platform.keys.oidc_state(state))
        .query_async(&mut conn)
        .await?;
    let invalid = || {
        fail(
            "invalid_state",
            "unknown, expired or already used login state",
        )
    };
    serde_json::from_str(&raw.ok_or_else(invalid)?).map_err(|_| invalid())
}

async fn complete(
    app: &AppState,
    slug: &str,
    query: CallbackQuery,
    cookie: Option<String>,
    client: &ClientInfo,
) -> Result<String, ApiError> {
    if let Some(error) = &query.error {
        return Err(fail(
            provider_error_code(error),
            "the provider refused the login",
        ));
    }
    let (Some(code), Some(state)) = (query.code, query.state) else {
        return Err(fail("invalid_request", "code and state are required"));
    };
    if code.is_empty() || code.len() > MAX_CODE || state.is_empty() || state.len() > MAX_STATE {
        return Err(fail("invalid_request", "code or state out of bounds"));
    }
    let pending = take_state(app, &state).await?;
    let same_browser = cookie
        .is_some_and(|c| bool::from(cookie_hash(&c).as_bytes().ct_eq(pending.browser.as_bytes())));
    if !same_browser {
        return Err(fail(
            "invalid_state",
            "the login was started in another browser",
        ));
    }
    let provider = find_provider(app, slug).await?;
    if provider.id != pending.provider_id {
        return Err(fail(
            "invalid_state",
            "the login was started with another provider",
        ));
    }
    let oidc = provider_client(app, &provider).await?;
    let identity = verify(app, &oidc, code, &pending).await.inspect_err(|_| {
        // Perhaps the provider rotated its keys: the next login loads them afresh.
        app.oidc.forget(&provider.id);
    })?;
    if let Some(target) = &pending.link {
        link::finish(app, &provider, &identity, target).await?;
        let mut pairs = vec![("linked", provider.slug.as_str())];
        if let Some(path) = pending.redirect.as_deref() {
            pairs.push(("redirect", path));
        }
        return Ok(dashboard_callback(&app.config.dashboard_url, &pairs));
    }
    let answer = account::sign_in(app, &provider, identity, client).await?;
    let mut pairs: Vec<(&str, String)> = match answer {
        LoginResponse::Tokens(t) => vec![
            ("accessToken", t.access_token),
            ("refreshToken", t.refresh_token),
            ("expiresIn", t.expires_in.to_string()),
            ("tenantId", t.tenant_id),
        ],
        LoginResponse::TotpRequired { pending_token, .. } => {
            vec![
                ("requiresTOTP", "true".to_owned()),
                ("pendingToken", pending_token),
            ]
        }
    };
    if let Some(path) = pending.redirect {
        pairs.push(("redirect", path));
    }
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok(dashboard_callback(&app.config.dashboard_url, &pairs))
}

/// Exchanges the code (with the PKCE verifier) and verifies the ID token: signature against
/// the provider's keys, issuer, audience, expiry, nonce, and `at_hash` when present.
async fn verify(
    app: &AppState,
    oidc: &ProviderClient,
    code: String,
    pending: &PendingLogin,
) -> Result<Identity, ApiError> {
    let refused = |what: &str, e: &dyn std::fmt::Display| {
        fail("token_exchange_failed", format!("{what}: {e}"))
    };
    let tokens = oidc
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| refused("no token endpoint", &e))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.code_verifier.clone()))
        .request_async(&app.oidc)
        .await
        .map_err(|e| refused("token request", &e))?;
    let invalid = |e: &dyn std::fmt::Display| fail("invalid_id_token", e.to_string());
    let id_token = tokens
        .id_token()
        .ok_or_else(|| invalid(&"the provider returned no ID token"))?;
    let verifier = oidc.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &Nonce::new(pending.nonce.clone()))
        .map_err(|e| invalid(&e))?;
    if let Some(expected) = claims.access_token_hash() {
        let alg = id_token.signing_alg().map_err(|e| invalid(&e))?;
        let key = id_token.signing_key(&verifier).map_err(|e| invalid(&e))?;
        let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
            .map_err(|e| invalid(&e))?;
        if actual != *expected {
            return Err(invalid(&"at_hash does not match the access token"));
        }
    }
    let mut identity = Identity {
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string())
            .or_else(|| claims.preferred_username().map(|u| u.to_string())),
    };
    if identity.email.is_none() {
        userinfo_email(app, oidc, tokens.access_token().clone(), &mut identity).await?;
    }
    Ok(identity)
}

/// Providers that keep the email out of the ID token serve it from their userinfo endpoint
/// (for the same subject, which the client checks).
async fn userinfo_email(
    app: &AppState,
    oidc: &ProviderClient,
    access: openidconnect::AccessToken,
    identity: &mut Identity,
) -> Result<(), ApiError> {
    let subject = SubjectIdentifier::new(identity.subject.clone());
    let Ok(request) = oidc.user_info(access, Some(subject)) else {
        return Ok(());
    };
    let info: openidconnect::core::CoreUserInfoClaims = request
        .request_async(&app.oidc)
        .await
        .map_err(|e| fail("userinfo_failed", e.to_string()))?;
    identity.email = info.email().map(|e| e.to_string());
    identity.email_verified = info.email_verified();
    if identity.name.is_none() {
        identity.name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
    }
    Ok(())
}
