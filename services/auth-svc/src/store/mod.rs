//! SQL of auth-svc. Every function takes the transaction it runs in; tenant tables are always
//! filtered by `tenant_id` explicitly, on top of row-level security.

pub mod api_keys;
pub mod installation;
pub mod notifications;
pub mod oidc;
pub mod sessions;
pub mod tenants;
pub mod totp;
pub mod users;
pub mod waitlist;
