//! auth-svc against real Postgres and Redis.

mod bad_input;
mod cross_tenant;
mod helpers;
mod login;
mod refresh;
mod register;
mod tenants;
mod totp;
mod users;
