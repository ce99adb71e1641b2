//! Talking to an OIDC provider: the `openidconnect` client over our reqwest, and the provider's
//! metadata (from discovery, or from endpoints configured by hand) with its signing keys.
//!
//! openidconnect's own reqwest support is for reqwest 0.12; this adapter implements its
//! `AsyncHttpClient` over the workspace's reqwest 0.13 instead of compiling a second HTTP stack.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

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

/// The HTTP client for providers. Redirects are not followed: a provider's endpoints must
/// answer themselves (the issuer check of discovery depends on it), and following them would
/// let a configured URL bounce requests to internal addresses.
#[derive(Clone, Debug)]
pub struct OidcHttp {
    client: reqwest::Client,
}

impl OidcHttp {
    /// On kit's TLS stack: the system's roots plus `HTTPS_CA_CERT` (a provider with a private CA).
    pub fn new(common: &kit::CommonConfig, timeout: Duration) -> anyhow::Result<Self> {
        let client = kit::tls::http_client_builder(common)?
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent("djinnbot-auth-svc")
            .build()?;
        Ok(Self { client })
    }

    async fn send(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, HttpClientError<reqwest::Error>> {
        let request = reqwest::Request::try_from(request).map_err(Box::new)?;
        let mut response = self.client.execute(request).await.map_err(Box::new)?;
        let mut builder = openidconnect::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(Box::new)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(HttpClientError::Other(format!(
                    "response larger than {MAX_BODY} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(HttpClientError::Http)
    }
}

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = HttpClientError<reqwest::Error>;
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

/// Why a provider could not be used; the text is for administrators (logs, `/test`), never
/// contains response bodies.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

/// `err` and its causes on one line.
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
    move |e| ProviderError(format!("invalid {what}: {e}"))
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

/// The provider's metadata and signing keys: discovery at `{issuer}/.well-known/openid-configuration`
/// (which also checks the document names the same issuer), or the stored endpoints.
pub async fn metadata(
    http: &OidcHttp,
    p: &Provider,
) -> Result<CoreProviderMetadata, ProviderError> {
    let issuer = IssuerUrl::new(p.issuer_url.clone()).map_err(url_error("issuer URL"))?;
    if p.auto_discovery {
        return CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| ProviderError(format!("discovery failed: {}", describe(&e))));
    }
    let required = |v: &Option<String>, what: &str| {
        v.clone()
            .ok_or_else(|| ProviderError(format!("{what} is not configured")))
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
        .map_err(|e| {
            ProviderError(format!(
                "fetching the signing keys failed: {}",
                describe(&e)
            ))
        })?;
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
