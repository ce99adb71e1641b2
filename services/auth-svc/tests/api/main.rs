//! auth-svc against real Postgres and Redis.

mod api_keys;
mod cross_tenant;
mod helpers;
mod key_auth;
mod key_cross_tenant;
mod login;
mod refresh;
mod register;
mod status_sync;
mod tenants;
mod users;
