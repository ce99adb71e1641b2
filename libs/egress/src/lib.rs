//! The guard of HTTP requests to URLs a tenant supplied (an OIDC issuer, a webhook, a model
//! endpoint): such a URL must never become a way into the cluster (SSRF).
//!
//! - A [`Guarded`] client resolves host names itself (a reqwest DNS resolver) and refuses
//!   internal addresses *after* resolution, so the connection goes to exactly the addresses that
//!   were checked: a name that resolves to 10.0.0.5, or re-resolves there a second later (DNS
//!   rebinding), is refused. Literal IPs never reach a resolver: [`Guarded::client_for`] checks
//!   them before anything is sent.
//! - Refused: loopback, private, link-local, CGNAT, multicast, reserved, documentation and
//!   metadata ranges ([`is_forbidden`]), unless the installation allow-lists them
//!   ([`AllowList`], `OUTBOUND_ALLOW`: networks and host names, each for every port or for one).
//! - No redirects (a public URL could answer with a redirect to an internal one) and no proxy
//!   from the environment (a proxy would resolve the name itself).
//!
//! Small on purpose (reqwest, tokio, thiserror, tracing): kit builds its `outbound` client on
//! it, and agent-runtime, which cannot depend on kit, guards its LLM calls with it.

pub mod addr;
mod allow;
mod client;

pub use addr::is_forbidden;
pub use allow::{AllowList, AllowListError};
pub use client::{Guarded, Refused, is_blocked};
