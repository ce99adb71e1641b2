//! kit against real Postgres and Redis (started by `make test`).

mod app;
mod catalog;
mod clock;
mod health;
mod http_auth;
mod idempotency;
mod ids;
mod query;
mod ratelimit;
mod rls;
mod shutdown;
mod walk;
