//! kit against real Postgres and Redis (started by `make test`).

mod app;
mod client;
mod health;
mod http_auth;
mod idempotency;
mod query_token;
mod ratelimit;
mod rls;
mod shutdown;
