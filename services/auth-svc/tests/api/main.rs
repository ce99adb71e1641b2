//! auth-svc against real Postgres and Redis.

mod admin_guard;
mod api_keys;
mod bad_input;
mod cross_tenant;
mod email_settings;
mod events;
mod first_run;
mod helpers;
mod invitations;
mod key_auth;
mod key_cross_tenant;
mod login;
mod oidc;
mod openapi;
mod refresh;
mod refresh_reuse;
mod register;
mod revocation;
mod route_walk;
mod session_only;
mod smtp_sink;
mod status_sync;
mod tenants;
mod totp;
mod users;
mod waitlist;
