//! The HTTP client for URLs a tenant supplied (an OIDC issuer, a webhook, a model endpoint):
//! such a URL must never become a way into the cluster (SSRF).
//!
//! - The guard is the `egress` crate's (shared with agent-runtime, which cannot depend on kit):
//!   host names are resolved by a checking resolver and internal addresses refused *after*
//!   resolution (DNS rebinding included); literal IPs are checked before sending.
//! - Refused: loopback, private, link-local, CGNAT, multicast, reserved, documentation and
//!   metadata ranges ([`addr::is_forbidden`]), unless allow-listed by the installation
//!   (`OUTBOUND_ALLOW`: networks and host names, each for every port or for one, e.g.
//!   `10.20.0.0/16,keycloak.internal,127.0.0.1:8090`).
//! - No redirects, no proxy from the environment (a proxy would resolve the name itself), a
//!   total time limit and a response size cap.
//! - Errors are fixed codes ([`OutboundError::code`]) with fixed texts: callers may show them to
//!   tenants; the underlying error chain goes to the log only, never into a response.

#[cfg(test)]
mod tests;

use std::error::Error as StdError;
use std::time::Duration;

pub use egress::addr;
pub use egress::{AllowList, AllowListError};
use egress::{Guarded, Refused};

use crate::config::CommonConfig;

/// Bounds of one request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Everything: resolving, connecting, TLS, sending and reading the body.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_body: usize,
}

/// Why an outbound request failed, as a tenant may be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("the URL cannot be fetched (only absolute http and https URLs)")]
    InvalidUrl,
    #[error("the address is internal and not allowed for outbound requests")]
    Blocked,
    #[error("the host name could not be resolved")]
    Dns,
    #[error("the connection could not be established")]
    Connect,
    #[error("the request timed out")]
    Timeout,
    #[error("the response is too large")]
    TooLarge,
    #[error("the request failed")]
    Failed,
}

impl OutboundError {
    /// The stable code for error bodies (`address_blocked`, `dns_failed`, …).
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidUrl => "invalid_url",
            Self::Blocked => "address_blocked",
            Self::Dns => "dns_failed",
            Self::Connect => "connect_failed",
            Self::Timeout => "timeout",
            Self::TooLarge => "response_too_large",
            Self::Failed => "request_failed",
        }
    }

    /// The first `OutboundError` in `err`'s chain (e.g. inside a library's own error type,
    /// which may hold it boxed).
    pub fn find(err: &(dyn StdError + 'static)) -> Option<Self> {
        if egress::is_blocked(err) {
            return Some(Self::Blocked);
        }
        let mut next = Some(err);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<Self>() {
                return Some(*found);
            }
            if let Some(found) = e.downcast_ref::<Box<Self>>() {
                return Some(**found);
            }
            next = e.source();
        }
        None
    }

    fn from_reqwest(err: &reqwest::Error) -> Self {
        if Self::find(err) == Some(Self::Blocked) {
            Self::Blocked
        } else if err.is_timeout() {
            Self::Timeout
        } else if err.is_dns() {
            Self::Dns
        } else if err.is_connect() {
            Self::Connect
        } else {
            Self::Failed
        }
    }
}

/// Why the client could not be built (a configuration error at start-up).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error("building the outbound HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// `err` and its causes on one line, for the log.
fn chain(err: &dyn StdError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The client; cheap to clone (one connection pool per port an allow-list entry names, one
/// for every other port).
#[derive(Clone, Debug)]
pub struct OutboundClient {
    guarded: Guarded,
    limits: Limits,
}

impl OutboundClient {
    /// On kit's TLS stack (system roots plus `HTTPS_CA_CERT`).
    pub fn new(
        common: &CommonConfig,
        allow: AllowList,
        limits: Limits,
        user_agent: &str,
    ) -> Result<Self, BuildError> {
        Self::trusting(common.https_ca_cert.as_deref(), allow, limits, user_agent)
    }

    /// Like [`OutboundClient::new`], with the extra CA given directly.
    pub fn trusting(
        extra_ca: Option<&std::path::Path>,
        allow: AllowList,
        limits: Limits,
        user_agent: &str,
    ) -> Result<Self, BuildError> {
        crate::tls::install_provider();
        let guarded = Guarded::new(allow, || {
            Ok::<_, BuildError>(
                crate::tls::http_client_builder_trusting(extra_ca)?
                    .timeout(limits.timeout)
                    .connect_timeout(limits.timeout)
                    .user_agent(user_agent),
            )
        })?;
        Ok(Self { guarded, limits })
    }

    /// Sends `request` and reads the whole answer (any status) within the limits.
    pub async fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        let request = reqwest::Request::try_from(request).map_err(|_| OutboundError::InvalidUrl)?;
        let client = self
            .guarded
            .client_for(request.url())
            .map_err(|e| match e {
                Refused::InvalidUrl => OutboundError::InvalidUrl,
                Refused::Blocked => OutboundError::Blocked,
            })?;
        let mut response = client.execute(request).await.map_err(|e| {
            tracing::info!(error = %chain(&e), "outbound request failed");
            OutboundError::from_reqwest(&e)
        })?;
        if response
            .content_length()
            .is_some_and(|n| n > self.limits.max_body as u64)
        {
            return Err(OutboundError::TooLarge);
        }
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| OutboundError::from_reqwest(&e))?
        {
            if body.len() + chunk.len() > self.limits.max_body {
                return Err(OutboundError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(|_| OutboundError::Failed)
    }
}
