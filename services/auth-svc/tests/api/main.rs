//! auth-svc against real Postgres and Redis.

mod bad_input;
mod cross_tenant;
mod email_settings;
mod helpers;
mod invitations;
mod login;
mod refresh;
mod register;
mod smtp_sink;
mod tenants;
mod totp;
mod users;
mod waitlist;
