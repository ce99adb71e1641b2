//! kit against real Postgres and Redis (started by `make test`).

mod app;
mod cache_trust;
mod catalog;
mod client;
mod clock;
mod health;
mod http_auth;
mod idempotency;
mod ids;
mod query;
mod query_token;
mod ratelimit;
mod redis_user;
mod rls;
mod shutdown;
mod walk;
