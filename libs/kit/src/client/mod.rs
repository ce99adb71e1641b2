//! The client for calls between services.
//!
//! Each call speaks for a caller: a tenant (a short-lived `service` access token of that tenant,
//! [`Call::for_tenant`]) or the platform itself (an internal token for `/internal/...`
//! endpoints, [`Call::internal`]). It carries the request id of the request being served (or a
//! new one) and the W3C `traceparent` of its own span, a child of the current span. Timeouts
//! bound connecting and each attempt. Idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS, or
//! any request with an `Idempotency-Key`) are retried on connection errors, timeouts and 5xx,
//! with exponential backoff and jitter; other requests are tried once. A circuit breaker per
//! target fails calls fast while a target keeps failing. Every failure converts into a 503
//! `unavailable` with `Retry-After` ([`CallError`] into [`ApiError`]).

mod agents;
mod breaker;
mod error;
mod settings;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared_schemas::ids::TenantId;
use tracing::Instrument as _;

pub use self::agents::AgentLookup;
pub use self::breaker::{Admission, Breakers};
pub use self::error::CallError;
pub use self::settings::ClientSettings;
use crate::auth::{Claims, JwtKeys, TokenKind};
use crate::error::ApiError;
use crate::http::REQUEST_ID;

/// Cheap to clone; clones share connections and breakers.
#[derive(Clone)]
pub struct ServiceClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    jwt: Arc<JwtKeys>,
    service: &'static str,
    settings: ClientSettings,
    breakers: Breakers,
}

impl std::fmt::Debug for ServiceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceClient")
            .field("service", &self.inner.service)
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// Whom a call speaks for.
#[derive(Debug, Clone)]
enum Caller {
    Nobody,
    Tenant(TenantId),
    Platform,
}

impl ServiceClient {
    /// A client for `service` (the caller's name, in its tokens' `sub` as `svc:{service}`).
    pub fn new(
        service: &'static str,
        jwt: Arc<JwtKeys>,
        settings: &ClientSettings,
    ) -> Result<Self, reqwest::Error> {
        crate::tls::install_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout())
            .timeout(settings.timeout())
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                jwt,
                service,
                settings: settings.clone(),
                breakers: Breakers::new(
                    settings.service_client_breaker_failures,
                    settings.breaker_cooldown(),
                ),
            }),
        })
    }

    pub fn request(&self, method: Method, url: impl Into<String>) -> Call<'_> {
        Call {
            client: self,
            method,
            url: url.into(),
            caller: Caller::Nobody,
            headers: HeaderMap::new(),
            body: None,
            invalid: None,
        }
    }

    pub fn get(&self, url: impl Into<String>) -> Call<'_> {
        self.request(Method::GET, url)
    }

    pub fn post(&self, url: impl Into<String>) -> Call<'_> {
        self.request(Method::POST, url)
    }

    pub fn put(&self, url: impl Into<String>) -> Call<'_> {
        self.request(Method::PUT, url)
    }

    pub fn delete(&self, url: impl Into<String>) -> Call<'_> {
        self.request(Method::DELETE, url)
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.inner.settings
    }

    fn token(&self, caller: &Caller) -> Result<Option<String>, ApiError> {
        let ttl = self.inner.settings.token_ttl();
        let claims = match caller {
            Caller::Nobody => return Ok(None),
            Caller::Platform => Claims::internal(self.inner.service, ttl)?,
            Caller::Tenant(tenant) => Claims::access(
                format!("svc:{}", self.inner.service),
                tenant.clone(),
                TokenKind::Service,
                ttl,
            ),
        };
        self.inner.jwt.mint(&claims).map(Some)
    }
}

/// One call being built; nothing is sent until [`Call::send`].
pub struct Call<'a> {
    client: &'a ServiceClient,
    method: Method,
    url: String,
    caller: Caller,
    headers: HeaderMap,
    body: Option<Bytes>,
    /// Why the call cannot be sent, found while building it; [`Call::send`] reports it.
    invalid: Option<anyhow::Error>,
}

impl Call<'_> {
    /// Speaks for `tenant` with a service token of that tenant.
    #[must_use]
    pub fn for_tenant(mut self, tenant: &TenantId) -> Self {
        self.caller = Caller::Tenant(tenant.clone());
        self
    }

    /// Speaks for the platform with an internal token (for `/internal/...` endpoints).
    #[must_use]
    pub fn internal(mut self) -> Self {
        self.caller = Caller::Platform;
        self
    }

    #[must_use]
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(Bytes::from(bytes)),
            Err(err) => self.invalid = Some(err.into()),
        }
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        self
    }

    #[must_use]
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Makes a POST safe to retry: the target performs it once per key.
    #[must_use]
    pub fn idempotency_key(mut self, key: &str) -> Self {
        match HeaderValue::from_str(key) {
            Ok(value) => self.header(HeaderName::from_static(crate::idempotency::HEADER), value),
            Err(err) => {
                self.invalid = Some(anyhow::anyhow!("idempotency key: {err}"));
                self
            }
        }
    }

    fn idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ) || self.headers.contains_key(crate::idempotency::HEADER)
    }

    /// Sends with retries as the method allows. Any answer below 500 is returned as it came;
    /// connection errors, timeouts, 5xx and an open breaker are errors.
    pub async fn send(mut self) -> Result<reqwest::Response, CallError> {
        if let Some(problem) = self.invalid.take() {
            return Err(CallError::Build(problem));
        }
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| CallError::Build(anyhow::anyhow!("bad URL {:?}: {e}", self.url)))?;
        let target = url.origin().ascii_serialization();
        let span = tracing::info_span!(
            "service_call",
            method = %self.method,
            target = %target,
            path = url.path(),
            attempts = tracing::field::Empty,
        );
        self.headers.insert(REQUEST_ID, request_id());
        crate::telemetry::inject_context(&span, &mut self.headers);
        self.send_with_retries(url, &target).instrument(span).await
    }

    /// Sends and decodes a 2xx JSON answer; any other answer is [`CallError::Unexpected`].
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, CallError> {
        let res = self.send().await?;
        let target = res.url().origin().ascii_serialization();
        let status = res.status();
        if !status.is_success() {
            return Err(CallError::Unexpected {
                target,
                status: Some(status),
                detail: "unexpected status".to_owned(),
            });
        }
        res.json().await.map_err(|e| CallError::Unexpected {
            target,
            status: Some(status),
            detail: format!("unreadable answer: {}", e.without_url()),
        })
    }

    async fn send_with_retries(
        self,
        url: reqwest::Url,
        target: &str,
    ) -> Result<reqwest::Response, CallError> {
        let inner = &self.client.inner;
        let attempts = if self.idempotent() {
            1 + inner.settings.service_client_retries
        } else {
            1
        };
        let body = self.body;
        let mut failure = None;
        for attempt in 1..=attempts {
            if attempt > 1 {
                tokio::time::sleep(inner.settings.backoff(attempt - 1)).await;
            }
            // Before asking the breaker: a call admitted as the probe must report back.
            let token = self.client.token(&self.caller)?;
            if let Admission::Refused(retry_after) = inner.breakers.admit(target) {
                return Err(failure.unwrap_or(CallError::CircuitOpen {
                    target: target.to_owned(),
                    retry_after,
                }));
            }
            tracing::Span::current().record("attempts", attempt);
            let mut req = inner
                .http
                .request(self.method.clone(), url.clone())
                .headers(self.headers.clone());
            if let Some(token) = token {
                req = req.bearer_auth(token);
            }
            if let Some(body) = &body {
                req = req.body(body.clone());
            }
            match CallError::from_outcome(target, req.send().await) {
                Ok(res) => {
                    inner.breakers.record(target, true);
                    return Ok(res);
                }
                Err(err) => {
                    inner.breakers.record(target, false);
                    tracing::warn!(error = %err, attempt, "service call failed");
                    failure = Some(err);
                }
            }
        }
        Err(failure.unwrap_or_else(|| CallError::Build(anyhow::anyhow!("no attempt was made"))))
    }
}

/// The id of the request being served, so the target logs under the same id; a new one for
/// calls made outside a request (workers).
fn request_id() -> HeaderValue {
    crate::middleware::current_request_id()
        .and_then(|id| HeaderValue::from_str(&id).ok())
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or(HeaderValue::from_static("unknown"))
        })
}
