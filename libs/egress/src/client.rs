//! The guarded reqwest client: a checking DNS resolver, literal addresses checked per request,
//! no redirects, no environment proxy.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::AllowList;

/// Why a request was refused before anything was sent. The texts are fixed: callers may show
/// them to tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the URL cannot be fetched (only absolute http and https URLs)")]
    InvalidUrl,
    #[error("the address is internal and not allowed for outbound requests")]
    Blocked,
}

/// Whether `err` (a reqwest error, or anything holding one) was caused by a refused address:
/// the resolver's [`Refused::Blocked`] travels in the error's chain, boxed or not.
pub fn is_blocked(err: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        let found = e
            .downcast_ref::<Refused>()
            .copied()
            .or_else(|| e.downcast_ref::<Box<Refused>>().map(|boxed| **boxed));
        if found == Some(Refused::Blocked) {
            return true;
        }
        next = e.source();
    }
    false
}

/// Resolves with the system resolver and refuses the name if any of its addresses is internal
/// and not allow-listed for `port`. reqwest connects only to the addresses returned here.
struct CheckedResolver {
    allow: Arc<AllowList>,
    /// The port the client this resolver serves connects to; `None` for the client of every
    /// port no entry names (reqwest hands a resolver the name only).
    port: Option<u16>,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (allow, port) = (self.allow.clone(), self.port);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let host_allowed = allow.allows_host_on(&host, port);
            if !host_allowed && addrs.iter().any(|a| !allow.allows_ip_on(a.ip(), port)) {
                tracing::warn!(
                    host,
                    port,
                    "outbound request to an internal address refused"
                );
                return Err(Box::new(Refused::Blocked) as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// reqwest clients behind the guard; cheap to clone. Every request must take its client from
/// [`Guarded::client_for`], which checks literal addresses and picks the client whose resolver
/// knows the URL's port.
#[derive(Debug, Clone)]
pub struct Guarded {
    allow: Arc<AllowList>,
    /// For every port no allow-list entry names: only entries without a port apply.
    any_port: reqwest::Client,
    /// One client for each port an entry names (a handful, fixed by the installation).
    by_port: Arc<BTreeMap<u16, reqwest::Client>>,
}

impl Guarded {
    /// Builds the clients; `base` makes the builder each starts from (TLS roots, timeouts, user
    /// agent), and must not set a resolver, a proxy or a redirect policy. reqwest is built
    /// without a TLS provider: the caller installs one (ring) first.
    pub fn new<E: From<reqwest::Error>>(
        allow: AllowList,
        mut base: impl FnMut() -> Result<reqwest::ClientBuilder, E>,
    ) -> Result<Self, E> {
        let allow = Arc::new(allow);
        let mut build = |port: Option<u16>| -> Result<reqwest::Client, E> {
            let resolver = CheckedResolver {
                allow: allow.clone(),
                port,
            };
            Ok(base()?
                .dns_resolver(Arc::new(resolver))
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()?)
        };
        let any_port = build(None)?;
        let mut by_port = BTreeMap::new();
        for port in allow.ports() {
            by_port.insert(port, build(Some(port))?);
        }
        Ok(Self {
            allow,
            any_port,
            by_port: Arc::new(by_port),
        })
    }

    pub fn allow(&self) -> &AllowList {
        &self.allow
    }

    /// The client to send `url` with. Refuses URLs that are not http(s), and literal addresses
    /// that are internal and not allowed on the URL's port (names are checked by the resolver,
    /// at connect time).
    pub fn client_for(&self, url: &reqwest::Url) -> Result<&reqwest::Client, Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused::InvalidUrl);
        }
        let port = url.port_or_known_default();
        // The URL parser already normalised every IPv4 spelling (`0x7f.1`, `2130706433`) to
        // dotted form; IPv6 comes in brackets.
        let host = url.host_str().ok_or(Refused::InvalidUrl)?;
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>()
            && !self.allow.allows_ip_on(ip, port)
        {
            tracing::warn!(%ip, port, "outbound request to an internal address refused");
            return Err(Refused::Blocked);
        }
        Ok(port
            .and_then(|p| self.by_port.get(&p))
            .unwrap_or(&self.any_port))
    }
}

#[cfg(test)]
mod tests;
