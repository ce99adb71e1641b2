//! Talking to an OIDC provider: the `openidconnect` client over kit's outbound client, and the
//! provider's metadata (from discovery, or from endpoints configured by hand) with its signing
//! keys, cached for a few minutes.
//!
//! Every request goes through `kit::outbound`: a provider's URLs are chosen by a tenant's
//! administrator, so they must not reach internal addresses (only what `OUTBOUND_ALLOW` lists).
//! openidconnect's own reqwest support is for reqwest 0.12; this adapter implements its
//! `AsyncHttpClient` over that client instead of compiling a second HTTP stack.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kit::outbound::{AllowList, Limits, OutboundClient, OutboundError};
use openidconnect::core::{
    CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreResponseType,
    CoreSubjectIdentifierType,
};
use openidconnect::{
    AsyncHttpClient, AuthUrl, ClientId, ClientSecret, EmptyAdditionalProviderMetadata,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError, HttpRequest, HttpResponse,
    IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, RedirectUrl, ResponseTypes, TokenUrl, UserInfoUrl,
};

use crate::store::oidc::Provider;

/// Largest response accepted from a provider (discovery documents and key sets are a few KiB).
const MAX_BODY: usize = 1024 * 1024;
/// How long loaded metadata and keys are reused: logins (which anyone can start) do not each
/// fetch from the provider, and a provider's key rotation shows within this time.
const METADATA_TTL: Duration = Duration::from_secs(300);
/// A provider that failed is asked again after this long.
const FAILURE_TTL: Duration = Duration::from_secs(30);
/// Bound on the cache (one entry per provider used recently).
const MAX_CACHED: usize = 512;

struct Cached {
    /// The provider's `updated_at` when loaded: a change of the provider reloads.
    version: i64,
    loaded: Instant,
    meta: Result<CoreProviderMetadata, ProviderError>,
}

/// The HTTP client for providers, with the metadata cache. Redirects are not followed: a
/// provider's endpoints must answer themselves (the issuer check of discovery depends on it).
#[derive(Clone)]
pub struct OidcHttp {
    client: OutboundClient,
    cache: Arc<Mutex<HashMap<String, Cached>>>,
}

impl std::fmt::Debug for OidcHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcHttp").finish_non_exhaustive()
    }
}

impl OidcHttp {
    /// `allow` is `OUTBOUND_ALLOW`: internal networks and host names providers may use.
    pub fn new(common: &kit::CommonConfig, timeout: Duration, allow: &str) -> anyhow::Result<Self> {
        let limits = Limits {
            timeout,
            max_body: MAX_BODY,
        };
        let client = OutboundClient::new(
            common,
            AllowList::parse(allow)?,
            limits,
            "djinnbot-auth-svc",
        )?;
        Ok(Self {
            client,
            cache: Arc::default(),
        })
    }

    async fn send(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, HttpClientError<OutboundError>> {
        self.client
            .execute(request)
            .await
            .map_err(|e| HttpClientError::Reqwest(Box::new(e)))
    }

    fn cached(&self, p: &Provider) -> Option<Result<CoreProviderMetadata, ProviderError>> {
        let cache = self.cache.lock().ok()?;
        let hit = cache.get(&p.id).filter(|c| c.version == p.updated_at)?;
        let ttl = if hit.meta.is_ok() {
            METADATA_TTL
        } else {
            FAILURE_TTL
        };
        (hit.loaded.elapsed() < ttl).then(|| hit.meta.clone())
    }

    fn store(&self, p: &Provider, meta: &Result<CoreProviderMetadata, ProviderError>) {
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, c| c.loaded.elapsed() < METADATA_TTL);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(
            p.id.clone(),
            Cached {
                version: p.updated_at,
                loaded: Instant::now(),
                meta: meta.clone(),
            },
        );
    }

    /// Drops the provider's cached metadata (its keys may have rotated).
    pub fn forget(&self, provider_id: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(provider_id);
        }
    }
}

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = HttpClientError<OutboundError>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// The client type of both configurations: authorization endpoint known, token and userinfo
/// endpoints as the metadata says.
pub type ProviderClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a provider could not be used: a fixed `code` (with a fixed text, [`ProviderError::detail`])
/// that administrators may see, and the underlying error for the log only.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {log}")]
pub struct ProviderError {
    pub code: &'static str,
    log: String,
}

impl ProviderError {
    fn new(code: &'static str, log: impl Into<String>) -> Self {
        Self {
            code,
            log: log.into(),
        }
    }

    /// A transport failure keeps kit's code; anything else (a bad document, keys, issuer
    /// mismatch, an error status) is `fallback`.
    fn from_error(err: &(dyn std::error::Error + 'static), fallback: &'static str) -> Self {
        let code = OutboundError::find(err).map_or(fallback, OutboundError::code);
        Self::new(code, describe(err))
    }

    /// The text for an error body: fixed per code, never the provider's or the network's words.
    pub fn detail(&self) -> &'static str {
        match OUTBOUND_DETAILS.iter().find(|(code, _)| *code == self.code) {
            Some((_, detail)) => detail,
            None => match self.code {
                "discovery_invalid" => {
                    "the provider's discovery document is missing, invalid or names another issuer"
                }
                "keys_invalid" => "the provider's signing keys (JWKS) are missing or invalid",
                _ => "the provider is not configured completely",
            },
        }
    }
}

/// kit's outbound codes with the text each shows.
const OUTBOUND_DETAILS: [(&str, &str); 7] = [
    ("invalid_url", "the provider's URL cannot be fetched"),
    (
        "address_blocked",
        "the provider's address is internal and not allowed on this installation",
    ),
    (
        "dns_failed",
        "the provider's host name could not be resolved",
    ),
    ("connect_failed", "the provider could not be reached"),
    ("timeout", "the provider did not answer in time"),
    ("response_too_large", "the provider's answer is too large"),
    ("request_failed", "the request to the provider failed"),
];

/// `err` and its causes on one line (for the log).
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn url_error(what: &str) -> impl FnOnce(openidconnect::url::ParseError) -> ProviderError + '_ {
    move |e| ProviderError::new("provider_misconfigured", format!("invalid {what}: {e}"))
}

/// Asymmetric algorithms accepted for ID tokens of a provider configured by hand (with
/// discovery the provider's own list applies). Never `none` or HMAC with the client secret.
const MANUAL_ALGS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// The provider's metadata and signing keys, from the cache when loaded recently.
pub async fn metadata(
    http: &OidcHttp,
    p: &Provider,
) -> Result<CoreProviderMetadata, ProviderError> {
    if let Some(hit) = http.cached(p) {
        return hit;
    }
    load(http, p).await
}

/// Loads the provider's metadata and signing keys now (and caches the outcome): discovery at
/// `{issuer}/.well-known/openid-configuration` (which also checks the document names the same
/// issuer), or the stored endpoints.
pub async fn load(http: &OidcHttp, p: &Provider) -> Result<CoreProviderMetadata, ProviderError> {
    let loaded = fetch(http, p).await;
    http.store(p, &loaded);
    loaded
}

async fn fetch(http: &OidcHttp, p: &Provider) -> Result<CoreProviderMetadata, ProviderError> {
    let issuer = IssuerUrl::new(p.issuer_url.clone()).map_err(url_error("issuer URL"))?;
    if p.auto_discovery {
        return CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| ProviderError::from_error(&e, "discovery_invalid"));
    }
    let required = |v: &Option<String>, what: &str| {
        v.clone().ok_or_else(|| {
            ProviderError::new(
                "provider_misconfigured",
                format!("{what} is not configured"),
            )
        })
    };
    let auth = AuthUrl::new(required(
        &p.authorization_endpoint,
        "authorization endpoint",
    )?)
    .map_err(url_error("authorization endpoint"))?;
    let jwks_uri =
        JsonWebKeySetUrl::new(required(&p.jwks_uri, "JWKS URI")?).map_err(url_error("JWKS URI"))?;
    let token = TokenUrl::new(required(&p.token_endpoint, "token endpoint")?)
        .map_err(url_error("token endpoint"))?;
    let userinfo = p
        .userinfo_endpoint
        .clone()
        .map(UserInfoUrl::new)
        .transpose()
        .map_err(url_error("userinfo endpoint"))?;
    let keys = JsonWebKeySet::fetch_async(&jwks_uri, http)
        .await
        .map_err(|e| ProviderError::from_error(&e, "keys_invalid"))?;
    Ok(CoreProviderMetadata::new(
        issuer,
        auth,
        jwks_uri,
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Public],
        MANUAL_ALGS.to_vec(),
        EmptyAdditionalProviderMetadata {},
    )
    .set_token_endpoint(Some(token))
    .set_userinfo_endpoint(userinfo)
    .set_jwks(keys))
}

/// A client for one login: our client credentials and this API's callback URL.
pub fn client(
    meta: CoreProviderMetadata,
    p: &Provider,
    secret: String,
    redirect: RedirectUrl,
) -> ProviderClient {
    CoreClient::from_provider_metadata(
        meta,
        ClientId::new(p.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(redirect)
}
