//! auth-svc against real Postgres and Redis.

mod api_keys;
mod auth_matrix;
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
mod register;
mod route_walk;
mod smtp_sink;
mod status_sync;
mod tenants;
mod totp;
mod users;
mod waitlist;
